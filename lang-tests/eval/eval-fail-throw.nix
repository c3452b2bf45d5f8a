throw "a message"
