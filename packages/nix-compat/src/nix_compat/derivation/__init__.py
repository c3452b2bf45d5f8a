"""Derivations: the ATerm ``.drv`` format, its JSON form, and how Nix names their outputs.

Parse and write ``.drv`` bytes exactly as C++ Nix does (:func:`parse_aterm`,
:func:`write_aterm`), print them as ``nix derivation show`` does (:func:`show_json`), compute
``hashDerivationModulo`` and output paths (:func:`hash_derivation_modulo`,
:func:`output_paths`, :func:`fill_output_paths`, :func:`derivation_path`), and check a
derivation field by field (:func:`validate`, :func:`check_derivation`).
"""

from .aterm import drv_name_from_path, name_from_env, parse_aterm, write_aterm
from .hashing import (
    DerivationHasher,
    DrvHash,
    InputLoader,
    derivation_path,
    fill_output_paths,
    hash_derivation_modulo,
    output_paths,
)
from .json import from_json, show_json, to_json
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
    byte_key,
    method_algo,
    method_from_name,
    split_method_algo,
)
from .paths import fixed_output_path, hash_placeholder
from .validate import check_derivation, validate

__all__ = [
    "DRV_EXTENSION",
    "DeferredOutput",
    "Derivation",
    "DerivationHasher",
    "DrvHash",
    "FixedOutput",
    "FloatingOutput",
    "ImpureOutput",
    "InputAddressedOutput",
    "InputDrvOutputs",
    "InputLoader",
    "Output",
    "byte_key",
    "check_derivation",
    "derivation_path",
    "drv_name_from_path",
    "fill_output_paths",
    "fixed_output_path",
    "from_json",
    "hash_derivation_modulo",
    "hash_placeholder",
    "method_algo",
    "method_from_name",
    "name_from_env",
    "output_paths",
    "parse_aterm",
    "show_json",
    "split_method_algo",
    "to_json",
    "validate",
    "write_aterm",
]
