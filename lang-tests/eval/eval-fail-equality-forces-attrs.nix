{ a = 1; b = throw "compared b"; } == { a = 1; b = 2; }
