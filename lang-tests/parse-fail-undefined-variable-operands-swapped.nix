# a > b is __lessThan b a: b is bound, so reported, first
a: x > y
