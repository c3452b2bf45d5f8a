# `--option experimental-features` after `--extra-experimental-features pipe-operators`
# replaces the whole list: the pipes are refused again.
inc <| 1
