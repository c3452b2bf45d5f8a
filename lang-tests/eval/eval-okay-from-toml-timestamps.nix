# With the experimental feature parse-toml-timestamps, fromTOML gives each TOML date and time
# as { _type = "timestamp"; value = TEXT; }, TEXT as toml11 prints it: as written (a 'T', 't'
# or space between date and time; the fraction's digits), but a zero offset always 'Z' and
# a fraction cut after nanoseconds.
builtins.fromTOML ''
  offset = 1979-05-27T07:32:00Z
  offsetLowercase = 1979-05-27t07:32:00z
  offsetNegative = 1979-05-27T00:32:00-07:00
  offsetPositive = 1979-05-27T07:32:00+05:45
  offsetZeroPlus = 1979-05-27T07:32:00+00:00
  offsetZeroMinus = 1979-05-27T07:32:00-00:00
  offsetFraction = 1979-05-27T00:32:00.999999-07:00
  offsetSpace = 1979-05-27 07:32:00.25+01:00
  localDateTime = 1979-05-27T07:32:00
  localDateTimeSpace = 1979-05-27 07:32:00
  localDateTimeLowercase = 1979-05-27t07:32:00
  localDateTimeFraction = 1979-05-27T00:32:00.999999
  localDate = 1979-05-27
  leapDay = 2000-02-29
  firstYear = 0001-01-01
  localTime = 07:32:00
  localTimeFraction = 00:32:00.999999
  fractionOneDigit = 00:00:00.1
  fractionTwoZeros = 00:00:00.00
  fractionLeadingZero = 00:00:00.05
  fractionFourDigits = 00:00:00.1234
  fractionSevenDigits = 00:00:00.1234567
  fractionNineDigits = 00:00:00.000000001
  fractionTooLong = 23:59:59.999999999999
  fractionZero = 1979-05-27T07:32:00.0Z
  nanoseconds = 1979-05-27T07:32:00.123456789123Z
  inArray = [ 1979-05-27, 07:32:00 ]
  inInlineTable = { at = 1979-05-27T07:32:00Z }

  [[tables]]
  when = 2024-01-01T00:00:00Z
''
