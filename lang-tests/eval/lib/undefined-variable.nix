{ a = missingName; }
