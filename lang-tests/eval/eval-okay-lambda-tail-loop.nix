let loop = i: acc: if i == 0 then acc else loop (i - 1) (acc + i); in loop 3000 0
