builtins.fromJSON ''{ "b": [1, 2.5, null, true, "x", {}, []], "a": { "nested": { "deep": [] } }, "": "empty key" }''
