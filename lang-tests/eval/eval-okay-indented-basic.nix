''
  one
    two
  three
''
