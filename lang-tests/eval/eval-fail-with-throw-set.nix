with (throw "the with set"); y
