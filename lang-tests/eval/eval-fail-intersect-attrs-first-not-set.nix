builtins.intersectAttrs [ ] { }
