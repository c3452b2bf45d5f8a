with { builtins = { fake = true; }; }; builtins ? fake
