# Global names (true, map...) are part of the static scope, so with cannot replace them.
with { true = "with"; map = "with"; null = "with"; }; [ true (map (x: x) [ 1 ]) null ]
