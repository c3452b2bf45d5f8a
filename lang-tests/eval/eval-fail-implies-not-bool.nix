"a" -> true
