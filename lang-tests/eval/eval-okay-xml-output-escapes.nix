[ "<tag> & \"quotes\" 'apos'" "line\nbreak" ]
