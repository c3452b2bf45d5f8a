"""The packages depend on each other only down the layers of DESIGN.md.

Both the code (every ``import`` in ``src/``) and the distribution metadata (``dependencies``
in ``pyproject.toml``) are checked, so a package installed alone from PyPI has what it imports.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"

#: folder -> (distribution, import name, distributions it may use)
LAYERS: dict[str, tuple[str, str, set[str]]] = {
    "nix-compat": ("nix-compat", "nix_compat", set()),
    "tracing": ("tvix-tracing", "tvix_tracing", set()),
    "castore": ("tvix-castore", "tvix_castore", {"tvix-tracing"}),
    "store": ("tvix-store", "tvix_store", {"tvix-castore", "nix-compat", "tvix-tracing"}),
    "build": ("tvix-build", "tvix_build", {"tvix-castore", "tvix-tracing"}),
    "eval": ("tvix-eval", "tvix_eval", {"nix-compat", "tvix-tracing"}),
    "glue": (
        "tvix-glue",
        "tvix_glue",
        {"tvix-eval", "tvix-store", "tvix-build", "tvix-castore", "nix-compat", "tvix-tracing"},
    ),
    "cli": (
        "tvix-cli",
        "tvix_cli",
        {
            "tvix-glue",
            "tvix-eval",
            "tvix-store",
            "tvix-build",
            "tvix-castore",
            "nix-compat",
            "tvix-tracing",
        },
    ),
}
IMPORT_TO_DIST = {imp: dist for dist, imp, _ in LAYERS.values()}


def imported_top_levels(source: Path) -> set[str]:
    tree = ast.parse(source.read_bytes(), filename=str(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_package_folder_is_a_known_layer() -> None:
    assert {p.name for p in PACKAGES.iterdir() if p.is_dir()} == set(LAYERS)


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_code_imports_only_lower_layers(folder: str) -> None:
    dist, own, allowed = LAYERS[folder]
    offenders = []
    for source in sorted((PACKAGES / folder / "src").rglob("*.py")):
        for name in imported_top_levels(source):
            used = IMPORT_TO_DIST.get(name)
            if used is not None and name != own and used not in allowed:
                offenders.append(f"{source.relative_to(ROOT)} imports {name}")
    assert not offenders, f"{dist} may use only {sorted(allowed)}: " + "; ".join(offenders)


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_declared_dependencies_follow_the_layers(folder: str) -> None:
    dist, _, allowed = LAYERS[folder]
    meta = tomllib.loads((PACKAGES / folder / "pyproject.toml").read_text())["project"]
    assert meta["name"] == dist
    declared = {
        dep.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
        for dep in meta.get("dependencies", [])
    }
    ours = {d for d in declared if d in {v[0] for v in LAYERS.values()}}
    assert ours <= allowed, f"{dist} declares {sorted(ours - allowed)} above or beside it"


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_code_imports_are_declared(folder: str) -> None:
    """Every sibling a package imports is also in its dependencies, so it installs alone."""
    dist, own, _ = LAYERS[folder]
    meta = tomllib.loads((PACKAGES / folder / "pyproject.toml").read_text())["project"]
    declared = " ".join(meta.get("dependencies", []))
    missing = set()
    for source in (PACKAGES / folder / "src").rglob("*.py"):
        for name in imported_top_levels(source):
            used = IMPORT_TO_DIST.get(name)
            if used is not None and name != own and used not in declared:
                missing.add(used)
    assert not missing, f"{dist} imports {sorted(missing)} without declaring them"


def test_layer_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from tvix_glue import x\nimport tvix_eval.value\n")
    assert imported_top_levels(bad) == {"tvix_glue", "tvix_eval"}
