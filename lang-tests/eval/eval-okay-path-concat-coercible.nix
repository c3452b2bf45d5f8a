[ (./a + { outPath = "/b"; }) (/x + { __toString = _: "/y"; }) ]
