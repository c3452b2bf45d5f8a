[ "héllo" "日本語" "🙂" (builtins.stringLength "é") (builtins.stringLength "日本") (builtins.stringLength "🙂") ]
