{ __functor = self: { a }: a + 1; }
