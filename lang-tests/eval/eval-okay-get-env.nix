[ (builtins.getEnv "LANG_TESTS_GREETING") (builtins.getEnv "LANG_TESTS_EMPTY") (builtins.getEnv "LANG_TESTS_SURELY_UNSET_VARIABLE") ]
