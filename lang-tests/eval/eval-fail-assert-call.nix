let isOk = x: x > 10; in assert isOk 5; "no"
