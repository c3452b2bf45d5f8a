"""Checks that a derivation is one C++ Nix would have written, each failure naming its field.

:func:`validate` needs nothing but the derivation; :func:`check_derivation` also re-derives
the output paths (which needs the input derivations) and the ``.drv``'s own path.
"""

from __future__ import annotations

from nix_compat.errors import DerivationError, StorePathError
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath, check_name, output_path_name

from .aterm import drv_name_from_path
from .hashing import (
    DerivationHasher,
    InputLoader,
    derivation_path,
    output_paths,
)
from .model import (
    DRV_EXTENSION,
    DeferredOutput,
    Derivation,
    FixedOutput,
    FloatingOutput,
    ImpureOutput,
    InputAddressedOutput,
    InputDrvOutputs,
    Output,
)
from .paths import fixed_output_path, hash_placeholder

__all__ = ["check_derivation", "validate"]


def _check_store_name(name: str, field: str, what: str) -> None:
    try:
        check_name(name)
    except StorePathError as e:
        raise DerivationError(f"invalid {what}: {e}", field=field) from None


def _check_output_names(drv: Derivation) -> None:
    if not drv.outputs:
        raise DerivationError("derivation must have at least one output", field="outputs")
    for name in drv.outputs:
        field = f"outputs.{name}"
        if name == "drv":
            raise DerivationError("invalid derivation output name 'drv'", field=field)
        _check_store_name(name, field, f"output name '{name}'")
        _check_store_name(output_path_name(drv.name, name), field, f"output name '{name}'")


def _check_output_kinds(drv: Derivation) -> None:
    kinds = {type(o) for o in drv.outputs.values()}
    if len(kinds) > 1:
        names = ", ".join(f"{n} ({type(o).__name__})" for n, o in drv.sorted_outputs())
        raise DerivationError(f"can't mix derivation output types: {names}", field="outputs")
    if FixedOutput in kinds:
        if len(drv.outputs) != 1:
            raise DerivationError("only one fixed output is allowed", field="outputs")
        if "out" not in drv.outputs:
            (name,) = drv.outputs
            raise DerivationError(
                'single fixed output must be named "out"', field=f"outputs.{name}"
            )
    floating = {o.algo for o in drv.outputs.values() if isinstance(o, FloatingOutput)}
    if len(floating) > 1:
        raise DerivationError(
            "all floating outputs must use the same hash algorithm", field="outputs"
        )


def _check_node(node: InputDrvOutputs, field: str) -> None:
    if not node.outputs and not node.dynamic:
        raise DerivationError("input derivation is used for no output", field=field)
    for name in node.outputs:
        if name == "drv":
            raise DerivationError("invalid output name 'drv'", field=field)
        _check_store_name(name, field, f"output name '{name}'")
    for name, child in node.dynamic.items():
        _check_store_name(name, f"{field}.{name}", f"output name '{name}'")
        _check_node(child, f"{field}.{name}")


def _check_inputs(drv: Derivation) -> None:
    for path, node in drv.input_drvs.items():
        field = f"inputDrvs.{path}"
        if not path.name.endswith(DRV_EXTENSION):
            raise DerivationError(
                f"input derivation '{path}' is not a derivation (name must end in .drv)",
                field=field,
            )
        _check_node(node, field)


def _expected_env(name: str, output: Output, drv: Derivation, store_dir: str) -> str:
    if isinstance(output, InputAddressedOutput):
        return output.path.to_absolute_path(store_dir)
    if isinstance(output, FixedOutput):
        return fixed_output_path(drv.name, name, output.ca, store_dir).to_absolute_path(store_dir)
    if isinstance(output, FloatingOutput | ImpureOutput):
        return hash_placeholder(name)
    return ""


def _check_fixed_paths(drv: Derivation, store_dir: str) -> None:
    for name, output in drv.outputs.items():
        if isinstance(output, FixedOutput):
            expected = fixed_output_path(drv.name, name, output.ca, store_dir)
            if output.path is not None and output.path != expected:
                raise DerivationError(
                    f"fixed output '{name}' has path '{output.path.to_absolute_path(store_dir)}'"
                    f", should be '{expected.to_absolute_path(store_dir)}'",
                    field=f"outputs.{name}.path",
                )


def _check_env(drv: Derivation, store_dir: str) -> None:
    for name, output in drv.sorted_outputs():
        expected = _expected_env(name, output, drv, store_dir)
        if name not in drv.env:
            raise DerivationError(
                f"environment variable '{name}' for output '{name}' is missing"
                f" (should be '{expected}')",
                field=f"env.{name}",
            )
        if drv.env[name] != expected:
            raise DerivationError(
                f"environment variable '{name}' is '{drv.env[name]}', should be '{expected}'",
                field=f"env.{name}",
            )


def validate(drv: Derivation, store_dir: str = DEFAULT_STORE_DIR) -> None:
    """Check everything that needs no input derivation; raise :class:`DerivationError`."""
    _check_store_name(drv.name + DRV_EXTENSION, "name", f"derivation name '{drv.name}'")
    _check_output_names(drv)
    _check_output_kinds(drv)
    _check_inputs(drv)
    if not drv.system:
        raise DerivationError("required attribute 'system' is empty", field="system")
    if not drv.builder:
        raise DerivationError("required attribute 'builder' is empty", field="builder")
    _check_fixed_paths(drv, store_dir)
    _check_env(drv, store_dir)


def check_derivation(
    drv: Derivation,
    inputs: InputLoader | DerivationHasher,
    *,
    drv_path: StorePath | None = None,
    store_dir: str = DEFAULT_STORE_DIR,
) -> None:
    """:func:`validate`, then re-derive the output paths and (given) the ``.drv``'s path."""
    validate(drv, store_dir)
    where = f"derivation '{drv_path.to_absolute_path(store_dir)}'" if drv_path else "derivation"
    if drv_path is not None and drv_name_from_path(drv_path) != drv.name:
        raise DerivationError(
            f"{where} has name '{drv.name}' which does not match its path", field="name"
        )
    expected = output_paths(drv, inputs, store_dir)
    for name, output in drv.sorted_outputs():
        should = expected[name]
        field = f"outputs.{name}.path"
        if isinstance(output, InputAddressedOutput):
            if should is None:
                raise DerivationError(
                    f"{where} has output '{output.path.to_absolute_path(store_dir)}' but its "
                    "path cannot be known before building (it should be deferred)",
                    field=field,
                )
            if output.path != should:
                raise DerivationError(
                    f"{where} has incorrect output '{output.path.to_absolute_path(store_dir)}'"
                    f", should be '{should.to_absolute_path(store_dir)}'",
                    field=field,
                )
        elif isinstance(output, DeferredOutput) and should is not None:
            raise DerivationError(
                f"{where} leaves output '{name}' deferred, but its path is "
                f"'{should.to_absolute_path(store_dir)}'",
                field=field,
            )
    if drv_path is not None:
        actual = derivation_path(drv, store_dir)
        if actual != drv_path:
            raise DerivationError(
                f"{where} has contents that belong at '{actual.to_absolute_path(store_dir)}'",
                field="path",
            )
