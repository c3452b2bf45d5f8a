"""tvix_eval's modules depend on each other only down its layers: no import cycle between
them, so each layer can be read, tested and replaced (glue's I/O, glue's builtins) knowing
only those below it.

Every import counts, also those inside functions (made late for start-up time, they are
dependencies all the same).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "tvix_eval"

#: Bottom first; a module is in the first layer one of whose prefixes names it.
LAYERS: list[tuple[str, ...]] = [
    ("syntax.source", "_version"),
    ("errors",),
    ("syntax",),
    ("value", "printer", "io", "settings"),
    ("runtime",),
    ("compiled", "compile_cache", "compiler"),
    ("builtins",),
    ("auto_call", "attr_path", "get_derivations", "python_values", "evaluator"),
    ("__init__",),
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts)


def layer_of(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"tvix_eval.{module} is in no layer: add it to LAYERS")


def _imported(path: Path) -> set[str]:
    """The tvix_eval modules ``path`` imports, without the ``tvix_eval.`` prefix."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from tvix_eval.x import y`` imports the module x.y when there is one.
            names = [node.module]
            names += [
                f"{node.module}.{a.name}" for a in node.names if _is_module(node.module, a.name)
            ]
        else:
            continue
        for name in names:
            if name.startswith("tvix_eval."):
                found.add(name.removeprefix("tvix_eval."))
    return found


def _is_module(package: str, name: str) -> bool:
    folder = SRC.joinpath(*package.split(".")[1:])
    return (folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists()


def test_every_module_imports_only_its_own_layer_or_lower_ones() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        module = _module_name(path)
        own = layer_of(module.removesuffix(".__init__") if module != "__init__" else module)
        for target in sorted(_imported(path)):
            target_layer = layer_of(target.removesuffix(".__init__"))
            if target_layer > own:
                offenders.append(f"{module} (layer {own}) imports {target} (layer {target_layer})")
    assert not offenders, "imports up the layers: " + "; ".join(offenders)


def test_the_check_sees_an_import_up_the_layers() -> None:
    """The checker itself: the runtime importing the builtins is the cycle this test is for."""
    assert layer_of("runtime.ops") < layer_of("builtins.io")
    assert layer_of("evaluator") > layer_of("compiler") > layer_of("runtime.calls")
