let x = "X"; lines = "a\nb"; in ''
    start ${x} end
      ${lines}
    ${x}${x}
''
