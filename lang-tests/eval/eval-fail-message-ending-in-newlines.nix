# A message that ends in newlines ends the error all the same.
throw "a\n\n"
