"""The Nix language: parser, compiler to Python, runtime and pure builtins.

For programs that evaluate Nix::

    from tvix_eval import Evaluator
    config = Evaluator().eval_file("config.nix", args={"enable": True})
    print(config["services"].to_python())

The names below are loaded when first used, so that importing one part of the package (the
parser, say) does not load the evaluator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tvix_eval._version import __version__

if TYPE_CHECKING:
    from tvix_eval.builtins.registry import BuiltinSet
    from tvix_eval.errors import EvalError
    from tvix_eval.evaluator import Evaluator
    from tvix_eval.io import EvalIO, LocalIO, PureIO
    from tvix_eval.python_values import NixAttrs, NixFunction, NixList, to_nix, to_python
    from tvix_eval.value import ContextStr, NixPath

__all__ = [
    "BuiltinSet",
    "ContextStr",
    "EvalError",
    "EvalIO",
    "Evaluator",
    "LocalIO",
    "NixAttrs",
    "NixFunction",
    "NixList",
    "NixPath",
    "PureIO",
    "__version__",
    "to_nix",
    "to_python",
]

_HOMES = {
    "BuiltinSet": "tvix_eval.builtins.registry",
    "ContextStr": "tvix_eval.value",
    "EvalError": "tvix_eval.errors",
    "EvalIO": "tvix_eval.io",
    "Evaluator": "tvix_eval.evaluator",
    "LocalIO": "tvix_eval.io",
    "NixAttrs": "tvix_eval.python_values",
    "NixFunction": "tvix_eval.python_values",
    "NixList": "tvix_eval.python_values",
    "NixPath": "tvix_eval.value",
    "PureIO": "tvix_eval.io",
    "to_nix": "tvix_eval.python_values",
    "to_python": "tvix_eval.python_values",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tvix_eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
