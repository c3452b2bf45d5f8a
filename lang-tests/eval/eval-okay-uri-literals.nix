[ http://example.org/a?b=c https:foo mailto:someone@example.org (builtins.typeOf x:y) ]
