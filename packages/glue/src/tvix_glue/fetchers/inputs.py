"""Fetcher inputs: what ``fetchTree``, ``fetchGit`` and flake references name, as C++ Nix's
libfetchers models them — a set of attributes (``type`` first among them: ``git``, ``path``,
``file``, ``tarball``, ``github``...), parsed from a URL-like string and shown as one.

How an input is shown matters beyond ``flakeRefToString``: C++ Nix names the input in every
fetch error (``while fetching the input 'git+file:///src?ref=main'``), so the rendering is
theirs, attribute for attribute.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, quote, urlsplit

from tvix_eval.errors import NixError

__all__ = [
    "Attr",
    "Input",
    "attrs_json",
    "input_from_attrs",
    "parse_flake_ref",
]

#: An input attribute's value: flake references hold nothing else.
Attr = str | int | bool

#: Per scheme, the attributes an input may have (besides ``type``), as C++ Nix 2.26 allows.
SCHEME_ATTRS: Final[dict[str, frozenset[str]]] = {
    "git": frozenset(
        [
            "url",
            "ref",
            "rev",
            "shallow",
            "submodules",
            "exportIgnore",
            "allRefs",
            "name",
            "dirtyRev",
            "dirtyShortRev",
            "lastModified",
            "revCount",
            "narHash",
            "verifyCommit",
            "keytype",
            "publicKey",
            "publicKeys",
        ]
    ),
    "path": frozenset({"path", "rev", "revCount", "lastModified", "narHash"}),
    "file": frozenset({"url", "narHash", "name", "unpack", "rev", "revCount", "lastModified"}),
    "tarball": frozenset({"url", "narHash", "name", "unpack", "rev", "revCount", "lastModified"}),
    "github": frozenset({"owner", "repo", "ref", "rev", "narHash", "lastModified", "host"}),
    "gitlab": frozenset({"owner", "repo", "ref", "rev", "narHash", "lastModified", "host"}),
    "sourcehut": frozenset({"owner", "repo", "ref", "rev", "narHash", "lastModified", "host"}),
    "indirect": frozenset({"id", "ref", "rev", "narHash"}),
    "hg": frozenset({"url", "ref", "rev", "revCount", "narHash", "name"}),
}
#: Attributes read as integers or Booleans from a URL's query.
_INTEGERS: Final = frozenset({"revCount", "lastModified"})
_BOOLEANS: Final = frozenset({"shallow", "submodules", "exportIgnore", "allRefs", "verifyCommit"})
#: The attributes a git URL's query gives its input (the rest stay in the URL).
_GIT_QUERY_ATTRS: Final = frozenset(
    {"ref", "rev", "shallow", "submodules", "exportIgnore", "allRefs"}
)
#: The git attributes a git input's URL shows.
_GIT_URL_ATTRS: Final = ("exportIgnore", "ref", "rev", "shallow", "submodules")
_REV: Final = re.compile(r"[0-9a-f]{40}")
_FORGES: Final = ("github", "gitlab", "sourcehut")


class Input:
    """An input: its attributes, in name order as C++ Nix keeps them."""

    def __init__(self, attrs: dict[str, Attr]) -> None:
        self.attrs = dict(sorted(attrs.items()))

    @property
    def type(self) -> str:
        return str(self.attrs["type"])

    def get(self, name: str) -> Attr | None:
        return self.attrs.get(name)

    def to_url(self) -> str:
        """The input as C++ Nix shows it (``flakeRefToString``, errors)."""
        kind = self.type
        attrs = {k: v for k, v in self.attrs.items() if k != "type"}
        if kind == "git":
            base, _, query = str(attrs.pop("url", "")).partition("?")
            shown: dict[str, Attr] = dict(parse_qsl(query, keep_blank_values=True))
            shown.update((k, v) for k, v in attrs.items() if k in _GIT_URL_ATTRS or k == "dir")
            prefix = "" if base.startswith("git://") else "git+"
            return prefix + base + _query(dict(sorted(shown.items())))
        if kind == "path":
            return "path:" + str(attrs.pop("path", "")) + _query(attrs)
        if kind in ("file", "tarball", "hg"):
            url = str(attrs.pop("url", ""))
            prefix = "hg+" if kind == "hg" else ""
            return prefix + url + _query(attrs)
        if kind in _FORGES:
            path = f"{attrs.pop('owner', '')}/{attrs.pop('repo', '')}"
            for key in ("rev", "ref"):
                if key in attrs:
                    path += "/" + str(attrs.pop(key))
            return f"{kind}:{path}" + _query(attrs)
        if kind == "indirect":
            path = str(attrs.pop("id", ""))
            for key in ("ref", "rev"):
                if key in attrs:
                    path += "/" + str(attrs.pop(key))
            return "flake:" + path + _query(attrs)
        raise NixError(f"cannot show unsupported input '{attrs_json(self.attrs)}'")


def _query(attrs: dict[str, Attr]) -> str:
    if not attrs:
        return ""
    shown = []
    for name, value in attrs.items():
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        shown.append(f"{quote(name, safe='')}={quote(text, safe='/')}")
    return "?" + "&".join(shown)


def attrs_json(attrs: dict[str, Attr]) -> str:
    """Attributes as C++ Nix shows them in its messages: compact JSON, names sorted."""
    import json

    return json.dumps(attrs, separators=(",", ":"), sort_keys=True)


def input_from_attrs(attrs: dict[str, Attr], caller: str = "fetchTree") -> Input:
    """An input from the attributes ``fetchTree`` is given, checked as C++ Nix checks them."""
    if "type" not in attrs:
        raise NixError(f"attribute 'type' is missing in call to '{caller}'")
    kind = attrs["type"]
    allowed = SCHEME_ATTRS.get(str(kind))
    if allowed is None:
        raise NixError(f"cannot show unsupported input '{attrs_json(attrs)}'")
    for name in attrs:
        if name != "type" and name not in allowed:
            raise NixError(f"input attribute '{name}' not supported by scheme '{kind}'")
    return Input(attrs)


def parse_flake_ref(text: str) -> tuple[Input, dict[str, Attr]]:
    """A flake reference (``github:o/r/ref``, ``git+https://…``, ``path:/p``, ``/p``,
    ``https://…/x.tar.gz``, ``flake:id``, ``id``), as ``parseFlakeRef`` reads it: the input,
    and the attributes of the flake rather than of its source (``dir``)."""
    if text.startswith("/"):
        return _from_path(text, "")
    scheme, colon, rest = text.partition(":")
    if not colon:
        if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_-]*(/[^/?#]+)*", text):
            return _indirect(text, text)
        raise NixError(f"flake reference '{text}' is not an absolute path")
    split = urlsplit(text)
    if split.fragment:
        raise NixError(f"unexpected fragment '{split.fragment}' in flake reference '{text}'")
    if scheme == "path":
        path, _, query = rest.partition("?")
        return _from_path(path, query)
    if scheme == "flake":
        return _indirect(rest, text)
    if scheme in _FORGES:
        return _forge(scheme, rest, text)
    outer, plus, _ = scheme.partition("+")
    if plus and outer in ("git", "hg", "tarball", "file"):
        return _from_url(outer, text[len(outer) + 1 :])
    if scheme == "git":
        return _from_url("git", text)
    if scheme in ("http", "https", "file"):
        return _from_url("tarball", text)
    raise NixError(f"input '{text}' is unsupported")


def _value(name: str, text: str) -> Attr:
    if name in _INTEGERS and text.isdigit():
        return int(text)
    if name in _BOOLEANS:
        return text == "1"
    return text


def _split_query(query: str) -> tuple[dict[str, Attr], dict[str, Attr]]:
    """A URL query's input attributes, and its flake attributes (``dir``)."""
    attrs: dict[str, Attr] = {}
    flake: dict[str, Attr] = {}
    for name, text in parse_qsl(query, keep_blank_values=True):
        (flake if name == "dir" else attrs)[name] = _value(name, text)
    return attrs, flake


def _from_path(path: str, query: str) -> tuple[Input, dict[str, Attr]]:
    attrs, flake = _split_query(query)
    return Input({"type": "path", "path": path, **attrs}), flake


def _from_url(kind: str, url: str) -> tuple[Input, dict[str, Attr]]:
    base, _, query = url.partition("?")
    attrs, flake = _split_query(query)
    if kind == "git":
        # Only git's own attributes leave the URL; anything else stays in it, as in C++ Nix.
        own = {k: v for k, v in attrs.items() if k in _GIT_QUERY_ATTRS}
        rest = [(k, v) for k, v in attrs.items() if k not in own]
        url = base + _query(dict(sorted(rest)))
        return Input({"type": "git", "url": url, **own}), flake
    return Input({"type": kind, "url": base + (f"?{query}" if query else "")}), flake


def _forge(kind: str, rest: str, text: str) -> tuple[Input, dict[str, Attr]]:
    path, _, query = rest.partition("?")
    parts = path.split("/")
    if len(parts) < 2 or not all(parts[:2]):
        raise NixError(f"flake reference '{text}' is not an absolute path")
    attrs, flake = _split_query(query)
    fields: dict[str, Attr] = {"type": kind, "owner": parts[0], "repo": parts[1]}
    if len(parts) > 2:
        ref = "/".join(parts[2:])
        fields["rev" if _REV.fullmatch(ref) else "ref"] = ref
    return Input({**fields, **attrs}), flake


def _indirect(rest: str, text: str) -> tuple[Input, dict[str, Attr]]:
    path, _, query = rest.partition("?")
    parts = path.split("/")
    attrs, flake = _split_query(query)
    fields: dict[str, Attr] = {"type": "indirect", "id": parts[0]}
    if len(parts) > 1:
        ref = "/".join(parts[1:])
        fields["rev" if _REV.fullmatch(ref) else "ref"] = ref
    return Input({**fields, **attrs}), flake
