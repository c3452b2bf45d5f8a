"""A derivation as a build request (tvix-build's ``BuildRequest``): the environment C++ Nix
2.26 gives a sandboxed builder, its inputs as castore nodes, the outputs to collect and the
needles to find references with.

The environment: the derivation's variables (those named by ``passAsFile`` as files
``.attr-<hash>`` in the build folder, ``<name>Path`` naming them), then ``PATH``
(``/path-not-set``), ``HOME`` (``/homeless-shelter``), ``NIX_STORE``, ``NIX_BUILD_CORES``,
``NIX_BUILD_TOP``, ``TMPDIR``, ``TEMPDIR``, ``TMP``, ``TEMP`` and ``PWD`` (``/build``),
``NIX_LOG_FD`` (2), ``TERM`` (``xterm-256color``), and for a fixed-output derivation
``NIX_OUTPUT_CHECKED`` and the host's values of its ``impureEnvVars``. Placeholders of the
outputs (``builtins.placeholder``) become their paths, in variables, files and arguments.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from tvix_eval.errors import NixError

if TYPE_CHECKING:
    from nix_compat.derivation.model import Derivation
    from nix_compat.store_path import StorePath
    from tvix_build.request import BuildRequest
    from tvix_castore.nodes import Node

__all__ = ["BUILD_DIR", "derivation_build_request"]

#: The build folder inside the sandbox, as C++ Nix's sandbox has it.
BUILD_DIR: Final = "/build"


def derivation_build_request(
    drv: Derivation,
    inputs: Mapping[StorePath, Node],
    *,
    store_dir: str,
    cores: int | None = None,
) -> BuildRequest:
    """The request that builds ``drv``, whose input closure is ``inputs`` (every store path
    the build may see, with its castore node)."""
    from nix_compat.derivation.paths import hash_placeholder
    from tvix_build.request import BuildConstraints, BuildRequest

    if drv.env.get("__json") is not None:
        raise NixError(
            f"building derivations with structured attributes ('{drv.name}') is not supported "
            "by tvix yet"
        )
    outputs = _output_paths(drv, store_dir)
    rewrites = {hash_placeholder(name): path for name, path in outputs.items()}
    env, files = _environment(drv, rewrites, store_dir, cores)
    inputs_dir = store_dir.lstrip("/")
    needles = sorted(
        {p.hash_part for p in inputs} | {posixpath.basename(p)[:32] for p in outputs.values()}
    )
    fixed = drv.is_fixed_output()
    return BuildRequest(
        inputs={p.base_name.encode(): node for p, node in inputs.items()},
        command_args=(drv.builder, *(_rewritten(a, rewrites) for a in drv.args)),
        working_dir=BUILD_DIR.lstrip("/"),
        scratch_paths=tuple(sorted({BUILD_DIR.lstrip("/"), inputs_dir})),
        inputs_dir=inputs_dir,
        outputs=tuple(sorted(p.lstrip("/") for p in outputs.values())),
        environment={k: v.encode("utf-8", "surrogateescape") for k, v in env.items()},
        constraints=BuildConstraints(drv.system or "unknown", network_access=fixed),
        additional_files=files,
        refscan_needles=tuple(needles),
    )


def _output_paths(drv: Derivation, store_dir: str) -> dict[str, str]:
    paths = {}
    for name, output in drv.outputs.items():
        path = getattr(output, "path", None)
        if path is None:
            raise NixError(
                f"cannot build '{drv.name}': the path of its output '{name}' is not known "
                "before building (floating or impure outputs are not supported by tvix yet)"
            )
        paths[name] = path.to_absolute_path(store_dir)
    return paths


def _environment(
    drv: Derivation, rewrites: Mapping[str, str], store_dir: str, cores: int | None
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The builder's variables, and the files ``passAsFile`` puts in the build folder."""
    from nix_compat.hash import NixHash

    env: dict[str, str] = {
        "PATH": "/path-not-set",
        "HOME": "/homeless-shelter",
        "NIX_STORE": store_dir,
        "NIX_BUILD_CORES": str(cores if cores is not None else os.cpu_count() or 1),
    }
    if drv.is_fixed_output():
        env["NIX_OUTPUT_CHECKED"] = "1"
        for name in drv.env.get("impureEnvVars", "").split():
            env[name] = os.environ.get(name, "")
    files: dict[str, bytes] = {}
    as_files = set(drv.env.get("passAsFile", "").split())
    for name, value in drv.env.items():
        if name not in as_files:
            env[name] = value
            continue
        digest = NixHash.of_bytes("sha256", name.encode("utf-8", "surrogateescape"))
        file_name = f".attr-{digest.to_nix32()}"
        contents = _rewritten(value, rewrites).encode("utf-8", "surrogateescape")
        files[f"{BUILD_DIR.lstrip('/')}/{file_name}"] = contents
        env[name + "Path"] = f"{BUILD_DIR}/{file_name}"
    for name in ("NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"):
        env[name] = BUILD_DIR
    env["NIX_LOG_FD"] = "2"
    env["TERM"] = "xterm-256color"
    return {name: _rewritten(value, rewrites) for name, value in env.items()}, files


def _rewritten(text: str, rewrites: Mapping[str, str]) -> str:
    for placeholder, path in rewrites.items():
        if placeholder in text:
            text = text.replace(placeholder, path)
    return text
