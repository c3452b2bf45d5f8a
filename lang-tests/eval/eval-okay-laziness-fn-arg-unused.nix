let const = x: y: x; in const "kept" (throw "dropped")
