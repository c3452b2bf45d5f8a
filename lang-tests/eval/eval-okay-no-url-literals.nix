# With no-url-literals, what only looks like a URL is fine: strings, and functions whose
# colon is followed by a space.
let
  f = x: x;
  g = { a ? "b:c" }: a;
in
[ "https://example.org/a?b=c" (f "mailto:someone@example.org") (g { }) "${"x"}:y" ]
