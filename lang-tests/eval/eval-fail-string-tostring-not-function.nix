"${{ __toString = "nope"; }}"
