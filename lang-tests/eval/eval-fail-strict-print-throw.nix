{ a = 1; b = throw "printing b"; }
