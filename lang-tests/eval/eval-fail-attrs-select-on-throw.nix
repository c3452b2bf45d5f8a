(throw "the set itself").a or 1
