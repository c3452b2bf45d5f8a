import ./fs/empty
