# A list element cannot start with a minus: this is no subtraction and no negative number.
[ 1 -1 ]
