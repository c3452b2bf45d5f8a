let me = import ./self-import.nix; in { value = 1; again = me.value; }
