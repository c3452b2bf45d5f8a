import { a = 1; }
