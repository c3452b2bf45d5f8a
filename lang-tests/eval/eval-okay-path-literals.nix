[ ./a ./a/b ./. ./a/../b ./a/./b /abs/path /x/../y a/b ./a-b_c.d+e ]
