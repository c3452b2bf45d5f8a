map builtins.readFileType [ ./fs/kinds/script.sh ./fs/kinds/plain.txt ./fs/kinds/subdir ./fs/kinds/link ./fs/kinds/fifo ]
