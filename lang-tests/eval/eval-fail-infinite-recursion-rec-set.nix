rec { x = y; y = z; z = x; }
