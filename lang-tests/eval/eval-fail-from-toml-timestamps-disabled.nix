# Without the experimental feature parse-toml-timestamps, fromTOML refuses dates and times.
builtins.fromTOML ''
  name = "release"
  date = 1979-05-27
''
