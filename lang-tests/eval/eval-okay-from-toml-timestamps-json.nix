# A timestamp is an attribute set like any other: here as JSON, and its value a string.
let
  parsed = builtins.fromTOML "at = 1979-05-27T07:32:00Z";
in
{
  json = builtins.toJSON parsed;
  type = builtins.typeOf parsed.at.value;
  timestamp = parsed.at._type == "timestamp";
}
