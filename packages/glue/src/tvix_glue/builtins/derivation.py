"""``derivationStrict``: an attribute set becomes a derivation, written (or only named) in the
store, as C++ Nix 2.26 makes it; ``derivation`` (``derivation-internal.nix``) wraps it.

Every attribute becomes an environment variable (``args`` the builder's arguments), its
value coerced as C++ Nix coerces it (numbers, Booleans, lists, paths copied into the store);
with ``__structuredAttrs`` the attributes go into one JSON document, ``__json``, instead.
The strings' contexts become the inputs: a plain path a source, an output of a derivation
that derivation's output, and a whole ``.drv`` (a ``drvPath``) everything in that ``.drv``'s
closure. Output paths are hashed modulo the input derivations (nix-compat), or fixed by
``outputHash``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import set_arg
from tvix_eval.builtins.json import to_json_builtin
from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import Attrs, attr_position, force, make_string, sorted_names

if TYPE_CHECKING:
    from nix_compat.derivation.model import FixedOutput, InputDrvOutputs
    from nix_compat.store_path import StorePath

    from tvix_glue.store_io import TvixStoreIO

# nix-compat's derivations are imported where a derivation is made: every evaluator has
# this builtin, and most evaluations make no derivation.

__all__ = ["DERIVATION_BUILTINS"]

Value = Any

DERIVATION_BUILTINS = BuiltinSet()
DERIVATION_BUILTINS.nix_builtin(
    "derivation",
    Path(__file__).resolve().parent.parent / "nix" / "derivation-internal.nix",
    shown_as="<nix/derivation-internal.nix>",
    position_file="/derivation-internal.nix",
)

_FUNCTION = "builtins.derivationStrict"
#: Attributes that say how the derivation is made rather than what goes in its environment.
_IGNORE_NULLS = "__ignoreNulls"
_STRUCTURED = "__structuredAttrs"


class _Drv:
    """What the attributes say, as they are read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.builder: str | None = None
        self.system: str | None = None
        self.args: list[str] = []
        self.env: dict[str, str] = {}
        self.outputs: list[str] = ["out"]
        self.output_hash: str | None = None
        self.output_hash_algo: str | None = None
        self.method = "flat"
        self.context: set[str] = set()


@DERIVATION_BUILTINS.builtin("derivationStrict", 1, global_=True, stateful=True)
def derivation_strict(io: TvixStoreIO, attrs_value: Value) -> dict[str, Value]:
    attrs = set_arg(attrs_value, "derivationStrict", None)
    if "name" not in attrs:
        error = NixError("attribute 'name' missing")
        error.positioned = False
        error.add_trace(f"in the attrset passed as argument to {_FUNCTION}")
        raise error
    name_span = attr_position(attrs, "name")
    try:
        name = ops.expect_string(force(attrs["name"]))
    except NixError as e:
        e.add_trace("while evaluating the derivation attribute 'name'", name_span)
        raise
    try:
        return _derivation(io, attrs, str(name))
    except NixError as e:
        where = "" if name_span is None else f"\n  whose name attribute is located at {name_span}"
        e.add_trace(f"while evaluating derivation '{name}'{where}")
        raise


def _flag(attrs: dict[str, Value], key: str) -> bool:
    if key not in attrs:
        return False
    try:
        return ops.expect_bool(force(attrs[key]))
    except NixError as e:
        e.add_trace(f"while evaluating the `{key}` attribute passed to {_FUNCTION}")
        raise


def _derivation(io: TvixStoreIO, attrs: dict[str, Value], name: str) -> dict[str, Value]:
    structured = _flag(attrs, _STRUCTURED)
    ignore_nulls = _flag(attrs, _IGNORE_NULLS)
    drv = _Drv(name)
    document: dict[str, Any] = {}
    for key in sorted_names(attrs):
        if key == _IGNORE_NULLS:
            continue
        try:
            value = force(attrs[key])
            if ignore_nulls and value is None:
                continue
            if key in _EXPERIMENTAL and value is True:
                _experimental(io, _EXPERIMENTAL[key])
            elif key == "args":
                _read_args(drv, value)
            elif structured:
                if key != _STRUCTURED:
                    document[key] = _structured_value(drv, key, value)
            else:
                text = ops.coerce_to_string(
                    value, None, coerce_more=True, copy_to_store=True, context=drv.context
                )
                drv.env[key] = str(text)
                _special(drv, key, str(text))
        except NixError as e:
            e.add_trace(
                f"while evaluating attribute '{key}' of derivation '{name}'",
                attr_position(attrs, key),
            )
            raise
    if structured:
        import json

        drv.env["__json"] = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return _finish(io, drv)


#: Attributes that make a derivation of an experimental kind, and the feature each needs.
_EXPERIMENTAL = {"__contentAddressed": "ca-derivations", "__impure": "impure-derivations"}


def _experimental(io: TvixStoreIO, feature: str) -> None:
    """Refuse a derivation of an experimental kind: as C++ Nix without its feature, and
    (not yet built by tvix) with it."""
    enabled = io.evaluator is not None and feature in io.evaluator.experimental_features
    if not enabled:
        raise NixError(
            f"experimental Nix feature '{feature}' is disabled; add "
            f"'--extra-experimental-features {feature}' to enable it"
        )
    raise NixError(
        f"derivations of the experimental feature '{feature}' are not supported by tvix yet"
    )


def _read_args(drv: _Drv, value: Value) -> None:
    for item in ops.expect_list(value):
        text = ops.coerce_to_string(
            force(item),
            "while evaluating an element of the argument list",
            coerce_more=True,
            copy_to_store=True,
            context=drv.context,
        )
        drv.args.append(str(text))


def _structured_value(drv: _Drv, key: str, value: Value) -> Any:
    """An attribute of a structured-attrs derivation: JSON, except ``outputs`` (a list of
    names) and the attributes that name how it is built, which are read as well."""
    import json

    encoded = to_json_builtin(value)
    drv.context.update(getattr(encoded, "context", ()))
    data = json.loads(str(encoded))
    if key == "outputs":
        names = ops.expect_list(value)
        _set_outputs(drv, [str(ops.expect_string(force(n))) for n in names])
    elif isinstance(data, str):
        _special(drv, key, data)
    return data


def _special(drv: _Drv, key: str, text: str) -> None:
    """The attributes that are more than environment: builder, system, outputs, hashes."""
    if key == "builder":
        drv.builder = text
    elif key == "system":
        drv.system = text
    elif key == "outputHash":
        drv.output_hash = text
    elif key == "outputHashAlgo":
        drv.output_hash_algo = text
    elif key == "outputHashMode":
        drv.method = _hash_mode(text)
    elif key == "outputs":
        _set_outputs(drv, text.split())


def _hash_mode(text: str) -> str:
    """``outputHashMode``'s value as a content-addressing method's name (nix-compat's)."""
    modes = {"recursive": "nar", "nar": "nar", "flat": "flat", "text": "text"}
    if text not in modes:
        raise NixError(f"invalid value '{text}' for 'outputHashMode' attribute")
    return modes[text]


def _set_outputs(drv: _Drv, names: list[str]) -> None:
    seen: list[str] = []
    for output in names:
        if output in seen:
            raise NixError(f"duplicate derivation output '{output}'")
        seen.append(output)
    if not seen:
        raise NixError("derivation cannot have an empty set of outputs")
    drv.outputs = seen


def _unpositioned(message: str) -> NixError:
    error = NixError(message)
    error.positioned = False
    return error


def _finish(io: TvixStoreIO, drv: _Drv) -> dict[str, Value]:
    from nix_compat.derivation.model import DeferredOutput, Derivation, Output
    from nix_compat.errors import NixCompatError
    from nix_compat.store_path import StorePath, invalid_name_reason

    if drv.builder is None:
        raise _unpositioned("required attribute 'builder' missing")
    if drv.system is None:
        raise _unpositioned("required attribute 'system' missing")
    if drv.name.endswith(".drv"):
        raise _unpositioned(
            "derivation names are allowed to end in '.drv' only if they produce a single "
            "derivation file"
        )
    reason = invalid_name_reason(drv.name)
    if reason is not None:
        raise _unpositioned(f"invalid derivation name: {reason}. Please pass a different 'name'.")
    input_drvs, input_srcs = _inputs(io, drv.context)
    outputs: dict[str, Output]
    if drv.output_hash is not None:
        outputs = {"out": _fixed_output(io, drv)}
    else:
        outputs = {output: DeferredOutput() for output in drv.outputs}
    derivation = Derivation(
        name=drv.name,
        outputs=outputs,
        input_drvs=input_drvs,
        input_srcs=frozenset(input_srcs),
        system=drv.system,
        builder=drv.builder,
        args=tuple(drv.args),
        env=drv.env,
    )
    try:
        derivation, aterm, modulo = io.known.hasher.complete(derivation)
    except NixCompatError as exc:
        raise _unpositioned(str(exc)) from None
    drv_path = io.add_text(
        drv.name + ".drv", aterm, sorted(derivation.references(), key=lambda p: p.base_name)
    )
    io.known.add(StorePath.from_absolute_path(drv_path, io.store_dir), derivation, modulo)
    result: dict[str, Value] = {"drvPath": make_string(drv_path, frozenset({"=" + drv_path}))}
    for output in sorted(derivation.outputs):
        path = derivation.env[output]
        result[output] = make_string(path, frozenset({f"!{output}!{drv_path}"}))
    return Attrs(result)


def _fixed_output(io: TvixStoreIO, drv: _Drv) -> FixedOutput:
    from nix_compat.content_address import ContentAddress, ContentAddressMethod
    from nix_compat.derivation.model import FixedOutput
    from nix_compat.derivation.paths import fixed_output_path
    from nix_compat.errors import NixCompatError
    from nix_compat.hash import NixHash

    if drv.outputs != ["out"]:
        raise _unpositioned("multiple outputs are not supported in fixed-output derivations")
    assert drv.output_hash is not None
    try:
        digest = NixHash.parse(drv.output_hash, drv.output_hash_algo or None)
    except NixCompatError as exc:
        raise _unpositioned(str(exc)) from None
    ca = ContentAddress(ContentAddressMethod(drv.method), digest)
    try:
        return FixedOutput(ca, fixed_output_path(drv.name, "out", ca, io.store_dir))
    except NixCompatError as exc:
        raise _unpositioned(str(exc)) from None


def _inputs(
    io: TvixStoreIO, context: set[str]
) -> tuple[dict[StorePath, InputDrvOutputs], set[StorePath]]:
    """The input derivations (with the outputs used) and sources a context names."""
    from nix_compat.derivation.model import InputDrvOutputs
    from nix_compat.store_path import StorePath

    wanted: dict[StorePath, set[str]] = {}
    sources: set[StorePath] = set()

    def path_of(text: str) -> StorePath:
        return StorePath.from_absolute_path(text, io.store_dir)

    for element in sorted(context):
        if element.startswith("="):
            for path in io.known.closure(path_of(element[1:])):
                sources.add(path)
                if path.name.endswith(".drv"):
                    wanted.setdefault(path, set()).update(io.known.derivation(path).outputs)
        elif element.startswith("!"):
            output, _, drv_path = element[1:].partition("!")
            wanted.setdefault(path_of(drv_path), set()).add(output)
        else:
            sources.add(path_of(element))
    return {path: InputDrvOutputs.of(outputs) for path, outputs in wanted.items()}, sources
