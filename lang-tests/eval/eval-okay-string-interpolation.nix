let name = "world"; n = "2"; in [ "hello ${name}" "${name}${name}" "${"nested ${name}"}" "${n}${n}" "${ "" }" "a${"b"}c" ]
