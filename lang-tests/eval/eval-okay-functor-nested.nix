# __functor may itself return a set with __functor.
let inner = { __functor = self: y: "inner ${y}"; }; outer = { __functor = self: x: inner; }; in outer "ignored" "arg"
