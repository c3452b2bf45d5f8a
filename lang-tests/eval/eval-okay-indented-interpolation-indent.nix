# Interpolated text does not count for the indentation, nor is it stripped.
let x = "    four"; in ''
      ${x}
    two
''
