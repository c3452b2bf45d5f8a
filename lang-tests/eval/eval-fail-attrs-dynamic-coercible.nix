{ ${{ outPath = "from-outpath"; }} = 1; ${{ __toString = _: "from-tostring"; }} = 2; }
