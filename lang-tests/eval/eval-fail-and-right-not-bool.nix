true && "yes"
