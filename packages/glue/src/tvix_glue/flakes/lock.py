"""A flake's lock file (``flake.lock``, version 7), and locking the inputs it lacks.

A lock file is a graph of nodes: the root (the flake itself) and one per input, each with
its ``original`` reference, the ``locked`` one (what was fetched: a revision, a NAR hash,
a time) and its own inputs, each a node's name or a path of input names from the root
(``follows``). Inputs the flake declares that its lock file lacks are fetched and added, as
C++ Nix's ``getFlake`` adds them (in memory: the file is not written), telling on standard
error what it added.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tvix_eval.errors import NixError

from tvix_glue.fetchers.inputs import Attr, Input, input_from_attrs, parse_flake_ref
from tvix_glue.fetchers.tree import FetchedTree

__all__ = ["LOCK_VERSION", "DeclaredInput", "LockFile", "Locker"]

LOCK_VERSION = 7

#: What locking fetches with: an input, to the tree it names.
Fetch = Callable[[Input], FetchedTree]
#: The inputs a fetched flake declares (its ``flake.nix``'s ``inputs``), as plain data.
ReadInputs = Callable[[str], dict[str, Any]]
#: Per input type, the attributes of what was fetched that lock it.
_LOCKING_ATTRS = ("lastModified", "narHash", "rev", "revCount")


@dataclass
class DeclaredInput:
    """One input as ``flake.nix`` declares it: a reference (a URL, or attributes), or
    ``follows``, and whether it is a flake."""

    reference: Input | None
    follows: list[str] | None = None
    flake: bool = True
    inputs: dict[str, DeclaredInput] = field(default_factory=dict)

    @classmethod
    def parse(cls, name: str, spec: Any) -> DeclaredInput:
        if not isinstance(spec, dict):
            raise NixError(f"flake input '{name}' is not an attribute set")
        nested = {k: cls.parse(k, v) for k, v in (spec.get("inputs") or {}).items()}
        flake = bool(spec.get("flake", True))
        if "follows" in spec:
            path = [p for p in str(spec["follows"]).split("/") if p]
            return cls(None, path, flake, nested)
        attrs = {k: v for k, v in spec.items() if k not in ("inputs", "flake", "follows")}
        if "url" in attrs and "type" not in attrs:
            reference, _ = parse_flake_ref(str(attrs.pop("url")))
            reference = Input({**reference.attrs, **attrs})
        elif "type" in attrs:
            reference = input_from_attrs(attrs, "getFlake")
        else:
            # `inputs.nixpkgs = { };` means the flake registry's `nixpkgs`.
            reference = Input({"type": "indirect", "id": name})
        return cls(reference, None, flake, nested)


class LockFile:
    """The nodes of a lock file, by name, and the root's name."""

    def __init__(self, nodes: dict[str, dict[str, Any]] | None = None, root: str = "root"):
        self.nodes: dict[str, dict[str, Any]] = nodes or {root: {}}
        self.root = root

    @classmethod
    def parse(cls, text: str, where: str) -> LockFile:
        try:
            data = json.loads(text)
            version = data.get("version")
            if version not in (5, 6, 7):
                raise NixError(f"lock file '{where}' has unsupported version {version}")
            return cls(dict(data["nodes"]), str(data["root"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise NixError(f"lock file '{where}' is not a valid lock file") from None

    def to_json(self) -> str:
        return json.dumps(
            {"nodes": self.nodes, "root": self.root, "version": LOCK_VERSION}, sort_keys=True
        )


class Locker:
    """Adds to a lock file the inputs it lacks, fetching them."""

    def __init__(self, lock: LockFile, fetch: Fetch, read_inputs: ReadInputs):
        self.lock = lock
        self.fetch = fetch
        self.read_inputs = read_inputs
        #: What was added, as C++ Nix tells it, one input a line pair.
        self.added: list[str] = []

    def lock_inputs(
        self, node_name: str, declared: dict[str, DeclaredInput], path: list[str]
    ) -> None:
        """Lock the inputs of node ``node_name``, at ``path`` from the root."""
        node = self.lock.nodes[node_name]
        inputs: dict[str, Any] = node.setdefault("inputs", {})
        for name, spec in declared.items():
            if name in inputs:
                continue
            if spec.follows is not None:
                inputs[name] = spec.follows
                shown = "/".join([*path, name])
                self.added.append(
                    f"• Added input '{shown}':\n    follows '{'/'.join(spec.follows)}'"
                )
                continue
            assert spec.reference is not None
            inputs[name] = self._add(name, spec, [*path, name])
        if not inputs:
            node.pop("inputs")

    def _add(self, name: str, spec: DeclaredInput, path: list[str]) -> str:
        reference = spec.reference
        assert reference is not None
        if reference.type == "indirect":
            raise NixError(
                f"cannot find flake '{reference.to_url()}' in the flake registries "
                "(tvix has no flake registry yet)"
            )
        tree = self.fetch(reference)
        locked_attrs: dict[str, Attr] = dict(reference.attrs)
        for key in _LOCKING_ATTRS:
            if key in tree.attrs:
                locked_attrs[key] = tree.attrs[key]
        locked_attrs["narHash"] = tree.nar_hash.to_sri()
        if reference.type == "git" and tree.ref is not None and "ref" not in locked_attrs:
            locked_attrs["ref"] = tree.ref
        locked = Input(locked_attrs)
        key = self._fresh(name)
        entry: dict[str, Any] = {
            "locked": locked.attrs,
            "original": reference.attrs,
        }
        if not spec.flake:
            entry["flake"] = False
        self.lock.nodes[key] = entry
        when = time.strftime("%Y-%m-%d", time.gmtime(int(tree.attrs.get("lastModified", 0))))
        self.added.append(f"• Added input '{'/'.join(path)}':\n    '{locked.to_url()}' ({when})")
        if spec.flake:
            inner = {k: DeclaredInput.parse(k, v) for k, v in self.read_inputs(tree.path).items()}
            inner.update(spec.inputs)
            self.lock_inputs(key, inner, path)
        return key

    def _fresh(self, name: str) -> str:
        if name not in self.lock.nodes:
            return name
        n = 2
        while f"{name}_{n}" in self.lock.nodes:
            n += 1
        return f"{name}_{n}"
