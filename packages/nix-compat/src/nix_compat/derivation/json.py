"""The JSON form of a derivation, as ``nix derivation show`` prints it in Nix 2.26.

Keys come out sorted (C++ Nix builds the object in a sorted map) and the text is indented by
two spaces. JSON cannot carry bytes that are not UTF-8: like C++ Nix, printing such a
derivation is an error that says which byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from nix_compat.content_address import ContentAddress
from nix_compat.errors import DerivationError, HashError, StorePathError
from nix_compat.hash import ALGORITHMS, NixHash
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath

from .aterm import MAX_NESTING
from .model import (
    DeferredOutput,
    Derivation,
    FixedOutput,
    FloatingOutput,
    ImpureOutput,
    InputAddressedOutput,
    InputDrvOutputs,
    Output,
    method_from_name,
)
from .paths import fixed_output_path

__all__ = ["from_json", "show_json", "to_json"]


def _output_json(drv: Derivation, name: str, output: Output, store_dir: str) -> dict[str, Any]:
    if isinstance(output, InputAddressedOutput):
        return {"path": output.path.to_absolute_path(store_dir)}
    if isinstance(output, FixedOutput):
        # C++ Nix prints the path it computes, not the one in the file.
        path = fixed_output_path(drv.name, name, output.ca, store_dir)
        return {
            "hash": output.ca.hash.to_base16(),
            "hashAlgo": output.ca.hash.algo,
            "method": output.ca.method.value,
            "path": path.to_absolute_path(store_dir),
        }
    if isinstance(output, FloatingOutput):
        return {"hashAlgo": output.algo, "method": output.method.value}
    if isinstance(output, ImpureOutput):
        return {"hashAlgo": output.algo, "impure": True, "method": output.method.value}
    return {}


def _node_json(node: InputDrvOutputs) -> dict[str, Any]:
    return {
        "dynamicOutputs": {name: _node_json(child) for name, child in node.sorted_dynamic()},
        "outputs": node.sorted_outputs(),
    }


def to_json(drv: Derivation, store_dir: str = DEFAULT_STORE_DIR) -> dict[str, Any]:
    """One derivation as a JSON value (the part of ``nix derivation show`` under its path)."""
    return {
        "args": list(drv.args),
        "builder": drv.builder,
        "env": dict(drv.sorted_env()),
        "inputDrvs": {
            path.to_absolute_path(store_dir): _node_json(node)
            for path, node in drv.sorted_input_drvs()
        },
        "inputSrcs": [p.to_absolute_path(store_dir) for p in drv.sorted_input_srcs()],
        "name": drv.name,
        "outputs": {
            name: _output_json(drv, name, output, store_dir)
            for name, output in drv.sorted_outputs()
        },
        "system": drv.system,
    }


def _check_utf8(value: Any, field: str) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "surrogateescape")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DerivationError(
                    f"invalid UTF-8 byte at index {e.start}: 0x{raw[e.start]:02X}", field=field
                ) from None
            raise DerivationError("string cannot be encoded as UTF-8", field=field) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_utf8(key, field)
            _check_utf8(item, f"{field}.{key}" if field else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_utf8(item, f"{field}[{index}]")


def show_json(drvs: Mapping[StorePath, Derivation], store_dir: str = DEFAULT_STORE_DIR) -> str:
    """The text ``nix derivation show`` prints for these derivations, keyed by ``.drv`` path."""
    document = {}
    for path, drv in sorted(drvs.items(), key=lambda item: item[0].base_name):
        value = to_json(drv, store_dir)
        try:
            _check_utf8(value, "")
        except DerivationError as e:
            raise DerivationError(
                f"derivation '{path.to_absolute_path(store_dir)}' cannot be shown as JSON: {e}"
            ) from None
        document[path.to_absolute_path(store_dir)] = value
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)


# -- reading ---------------------------------------------------------------------------------


def _get(obj: Mapping[str, Any], key: str, kind: type, field: str) -> Any:
    if key not in obj:
        raise DerivationError(f"missing field '{key}'", field=field)
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DerivationError(f"field '{key}' must be a {kind.__name__}", field=field)
    return value


def _strings(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DerivationError("must be a list of strings", field=field)
    return value


def _path(text: str, field: str, store_dir: str) -> StorePath:
    try:
        return StorePath.from_absolute_path(text, store_dir)
    except StorePathError as e:
        raise DerivationError(f"bad store path: {e}", field=field) from None


def _output_from_json(obj: Any, field: str, store_dir: str) -> Output:
    if not isinstance(obj, dict):
        raise DerivationError("output must be an object", field=field)
    if "hashAlgo" not in obj:
        if "path" in obj:
            return InputAddressedOutput(_path(_get(obj, "path", str, field), field, store_dir))
        return DeferredOutput()
    method = method_from_name(_get(obj, "method", str, field))
    algo = _get(obj, "hashAlgo", str, field)
    if algo not in ALGORITHMS:
        raise DerivationError(f"unknown hash algorithm '{algo}'", field=f"{field}.hashAlgo")
    if obj.get("impure") is True:
        return ImpureOutput(method, algo)
    if "hash" not in obj:
        return FloatingOutput(method, algo)
    try:
        ca = ContentAddress(method, NixHash.parse(_get(obj, "hash", str, field), algo))
    except HashError as e:
        raise DerivationError(f"bad output hash: {e}", field=f"{field}.hash") from None
    path = (
        _path(_get(obj, "path", str, field), f"{field}.path", store_dir) if "path" in obj else None
    )
    return FixedOutput(ca, path)


def _node_from_json(obj: Any, field: str, depth: int = 0) -> InputDrvOutputs:
    if depth > MAX_NESTING:  # as in ATerm: refused before Python's stack runs out
        raise DerivationError(f"dynamic outputs nested deeper than {MAX_NESTING}", field=field)
    if isinstance(obj, list):  # the form before dynamic derivations
        return InputDrvOutputs.of(_strings(obj, field))
    if not isinstance(obj, dict):
        raise DerivationError("input derivation entry must be an object", field=field)
    dynamic = _get(obj, "dynamicOutputs", dict, field) if "dynamicOutputs" in obj else {}
    return InputDrvOutputs(
        frozenset(_strings(_get(obj, "outputs", list, field), f"{field}.outputs")),
        {
            name: _node_from_json(child, f"{field}.{name}", depth + 1)
            for name, child in dynamic.items()
        },
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_unicode(obj: Any) -> None:
    """Refuse strings holding a lone surrogate (JSON's ``\\ud800`` escapes can spell one).

    C++ Nix's JSON reader refuses them; here they would reach the ATerm writer and the sort
    keys as characters that are neither text nor one of the bytes surrogate escapes stand for.
    Walked without recursion: the document may nest as deep as its reader allowed.
    """
    # Each item carries its trail (its key and its parent's trail), joined into a field name
    # only for an error: building names on the way down costs the square of the depth.
    Trail = tuple[str, Any] | None
    pending: list[tuple[Any, Trail]] = [(obj, None)]
    while pending:
        value, trail = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise DerivationError(
                    f"string {value!r} is not valid Unicode", field=_field_of(trail)
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                pending.append((key, trail))
                pending.append((item, (str(key), trail)))
        elif isinstance(value, list):
            pending.extend((item, (f"[{i}]", trail)) for i, item in enumerate(value))


def _field_of(trail: tuple[str, Any] | None) -> str:
    parts: list[str] = []
    while trail is not None:
        parts.append(trail[0])
        trail = trail[1]
    return "".join(
        part if part.startswith("[") or not index else "." + part
        for index, part in enumerate(reversed(parts))
    )


def from_json(
    obj: Any, *, name: str | None = None, store_dir: str = DEFAULT_STORE_DIR
) -> Derivation:
    """Read one derivation's JSON value (as :func:`to_json` writes it)."""
    if not isinstance(obj, dict):
        raise DerivationError("derivation must be a JSON object")
    _check_unicode(obj)
    if name is None:
        name = _get(obj, "name", str, "name")
    outputs = {
        out: _output_from_json(value, f"outputs.{out}", store_dir)
        for out, value in _get(obj, "outputs", dict, "outputs").items()
    }
    input_drvs = {
        _path(path, f"inputDrvs.{path}", store_dir): _node_from_json(node, f"inputDrvs.{path}")
        for path, node in _get(obj, "inputDrvs", dict, "inputDrvs").items()
    }
    srcs = _strings(_get(obj, "inputSrcs", list, "inputSrcs"), "inputSrcs")
    env = _get(obj, "env", dict, "env")
    if not all(isinstance(v, str) for v in env.values()):
        raise DerivationError("environment values must be strings", field="env")
    return Derivation(
        name=name,
        outputs=outputs,
        input_drvs=input_drvs,
        input_srcs=frozenset(_path(s, "inputSrcs", store_dir) for s in srcs),
        system=_get(obj, "system", str, "system"),
        builder=_get(obj, "builder", str, "builder"),
        args=tuple(_strings(_get(obj, "args", list, "args"), "args")),
        env=env,
    )
