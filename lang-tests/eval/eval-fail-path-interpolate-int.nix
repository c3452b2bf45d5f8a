let n = 3; in ./v${n}
