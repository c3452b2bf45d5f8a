let checked = assert false; "never"; in "unused assert is not evaluated"
