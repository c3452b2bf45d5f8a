"""Attribute paths of the command line (``-A a.b."c.d".0``): a value picked out of a
set (or list) by names and list indices, as C++ Nix's ``findAlongAttrPath`` picks it.

Every step first calls the value it is at with the command line's arguments
(:func:`~tvix_eval.auto_call.auto_call`), so a path can go through a function such as
nixpkgs' top level. Components are separated by dots; double quotes keep dots in a name;
a component that is an unsigned 32-bit number (``01`` and ``+1`` included) indexes a list.
"""

from __future__ import annotations

from typing import Any

from tvix_eval.auto_call import auto_call
from tvix_eval.errors import NixError
from tvix_eval.runtime.ops import similar_names
from tvix_eval.settings import parse_unsigned
from tvix_eval.value import describe, force

__all__ = ["AttrPathError", "find_along_attr_path", "parse_attr_path"]

Value = Any


class AttrPathError(NixError):
    """A path that does not lead anywhere in the value; no position, as in C++ Nix."""

    positioned = False


def parse_attr_path(text: str) -> list[str]:
    """The components of ``text``; an empty last one is dropped (``a.`` and ``a.""`` are
    ``a``)."""
    components: list[str] = []
    current = ""
    i = 0
    while i < len(text):
        c = text[i]
        if c == ".":
            components.append(current)
            current = ""
        elif c == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise AttrPathError(f"missing closing quote in selection path '{text}'")
            current += text[i + 1 : close]
            i = close
        else:
            current += c
        i += 1
    if current:  # so a last '""' is dropped too
        components.append(current)
    return components


def find_along_attr_path(value: Value, text: str, args: dict[str, Value]) -> Value:
    """What the path ``text`` selects in ``value``, forced (the last step is not called)."""
    for component in parse_attr_path(text):
        value = auto_call(value, args)
        index = parse_unsigned(component)
        if index is None:
            if not isinstance(value, dict):
                raise AttrPathError(
                    f"the expression selected by the selection path '{text}' should be a set "
                    f"but is {describe(value)}"
                )
            if not component:
                raise AttrPathError(f"empty attribute name in selection path '{text}'")
            if component not in value:
                error = AttrPathError(
                    f"attribute '{component}' in selection path '{text}' not found"
                )
                error.suggestions = similar_names(component, value)
                raise error
            value = value[component]
        else:
            if not isinstance(value, list):
                raise AttrPathError(
                    f"the expression selected by the selection path '{text}' should be a list "
                    f"but is {describe(value)}"
                )
            if index >= len(value):
                raise AttrPathError(
                    f"list index {index} in selection path '{text}' is out of range"
                )
            value = value[index]
    return force(value)
