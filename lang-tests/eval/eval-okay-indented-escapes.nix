''
  dollar: ''${not}
  quotes: '''
  newline: ''\n
  tab: ''\t
  cr: ''\r
  other: ''\x
  plain: $ and ' a
''
