let { body = "only body"; unused = throw "not evaluated"; }
