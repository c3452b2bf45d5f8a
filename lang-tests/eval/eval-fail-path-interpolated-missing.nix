# Putting a path that does not exist into a string fails before any store is involved.
"${./no-such-file}/x"
