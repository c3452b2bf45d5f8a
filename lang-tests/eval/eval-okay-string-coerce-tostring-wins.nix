"${{ __toString = _: "toString"; outPath = "outPath"; }}"
