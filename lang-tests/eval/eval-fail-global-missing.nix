notAGlobal 1
