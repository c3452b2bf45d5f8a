"${{ outPath = 3; }}"
