map builtins.toJSON [ "quote\"" "back\\slash" "nl\n" "tab\t" "cr\r" "é" "日本" "/slash" "${"$"}{x}" ]
