[ (__head [ 1 ]) (__length [ 1 2 ]) (__typeOf __add) (__isFunction __filter) (__tryEval (throw "x")).success ]
