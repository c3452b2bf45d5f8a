# line
/* block */ 1 /* * / ** */ + # more
2 /**/
