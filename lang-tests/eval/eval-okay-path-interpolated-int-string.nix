let n = toString 3; in ./v${n}/data
