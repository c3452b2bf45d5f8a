[ "tab\there" "nl\nhere" "cr\rhere" "back\\slash" "quote\"d" "dollar\$" "\${not}" "\a\b\c" "\'" ]
