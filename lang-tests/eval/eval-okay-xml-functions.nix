# Function patterns: formals sorted by name, the @ name on either side, ellipsis.
{
  plain = x: x;
  formals = { zeta, alpha ? 1, mid }: alpha;
  atLeft = args@{ a, ... }: a;
  atRight = { b } @ args: b;
  empty = { }: 1;
  emptyDots = { ... }: 1;
  curried = a: b: a;
  sorted = { b, B, a, _c }: a;
}
