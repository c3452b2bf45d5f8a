./a + null
