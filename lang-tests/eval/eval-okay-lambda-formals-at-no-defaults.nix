# The @ name is the argument as given: defaults are not added to it.
(args@{ x ? 1 }: args) { }
