let name = "file"; dir = "sub"; in [ ./${name} ./${dir}/${name}.nix ./a${name} /abs/${dir} ./${"a/b"} ./x/${"../y"} ]
