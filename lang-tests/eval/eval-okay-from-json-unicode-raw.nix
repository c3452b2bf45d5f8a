builtins.fromJSON ''"raw é 日本 🙂"''
