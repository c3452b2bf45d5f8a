''
  value: ${1}
''
