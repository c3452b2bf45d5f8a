"""``parseFlakeRef`` and ``flakeRefToString`` (experimental feature ``flakes``): flake
references between their string form and their attribute set, as C++ Nix 2.26 converts them
(see :mod:`tvix_glue.fetchers.inputs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import plain_string_arg, set_arg
from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.value import Thunk, describe, force

if TYPE_CHECKING:
    from tvix_glue.fetchers.inputs import Attr

__all__ = ["FLAKE_REF_BUILTINS"]

Value = Any

FLAKE_REF_BUILTINS = BuiltinSet()


@FLAKE_REF_BUILTINS.builtin("parseFlakeRef", 1, feature="flakes")
def parse_flake_ref_builtin(text: Value) -> dict[str, Attr]:
    from tvix_glue.fetchers.inputs import parse_flake_ref

    what = "the argument passed to builtins.parseFlakeRef"
    ref = str(plain_string_arg(text, "parseFlakeRef", what=what))
    source, flake = parse_flake_ref(ref)
    return dict(sorted({**source.attrs, **flake}.items()))


@FLAKE_REF_BUILTINS.builtin("flakeRefToString", 1, feature="flakes")
def flake_ref_to_string(attrs: Value) -> str:
    from tvix_glue.fetchers.inputs import Input

    given = set_arg(attrs, "flakeRefToString", 0)
    fields: dict[str, Attr] = {}
    for name, value in given.items():
        # As C++ Nix, the attributes are not evaluated here: one not yet evaluated is refused.
        if type(value) is Thunk and not value.forced:
            shown = "a thunk"
        else:
            value = force(value)
            if type(value) in (bool, int) or isinstance(value, str):
                fields[name] = value if type(value) in (bool, int) else str(value)
                continue
            shown = describe(value)
        raise NixError(
            "flake reference attribute sets may only contain integers, Booleans, and strings, "
            f"but attribute '{name}' is {shown}"
        )
    if "type" not in fields:
        raise NixError("attribute 'type' is missing in call to 'flakeRefToString'")
    return Input(fields).to_url()
