a-b: a'b: _c: __d: e_f-g'h: [ a-b a'b _c __d e_f-g'h ]
