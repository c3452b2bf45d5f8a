"only in the second entry"
