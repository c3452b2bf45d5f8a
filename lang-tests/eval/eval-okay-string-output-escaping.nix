# How printed strings escape what would read back differently.
[ "a\"b" "a\\b" "tab\t" "nl\n" "cr\r" "\${x}" "$x" "$" "${"$"}{" "''" "\u" ]
