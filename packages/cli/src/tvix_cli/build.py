"""``tvix build``: evaluate, build the derivations the value holds (and what they need, in
order, each only if its outputs are not yet in the store) with the build service, and print
the output paths as ``nix-build --no-out-link`` does, one a line."""

from __future__ import annotations

import argparse
from typing import Any

from tvix_eval.get_derivations import get_derivations
from tvix_eval.runtime import ops
from tvix_eval.runtime.active_io import active_io
from tvix_eval.value import force

from tvix_cli.eval import add_evaluation_arguments, evaluate_each

__all__ = ["configure", "run"]

Value = Any


def configure(parser: argparse.ArgumentParser) -> None:
    add_evaluation_arguments(parser, "Build this expression instead of a file.")


def run(args: argparse.Namespace) -> None:
    def render(selected: Value) -> str:
        from nix_compat.store_path import StorePath
        from tvix_eval.errors import NixError
        from tvix_glue.builder import DerivationBuilder
        from tvix_glue.store_io import TvixStoreIO

        io = active_io()
        store_io = getattr(io, "inner", io)
        assert isinstance(store_io, TvixStoreIO)
        lines = []
        for found in get_derivations(selected):
            drv_path = str(ops.expect_string(force(found.attrs["drvPath"])))
            output = "out"
            if "outputName" in found.attrs:
                output = str(ops.expect_string(force(found.attrs["outputName"])))
            service = store_io.build_service
            if service is None:
                raise NixError("this evaluation has no build service")
            path = StorePath.from_absolute_path(drv_path, store_io.store_dir)
            # A failed build ends the command with nix-build's status for it.
            DerivationBuilder(store_io, service, failure_status=100).build(path)
            out = store_io.known.derivation(path).outputs[output]
            built = getattr(out, "path", None)
            assert built is not None
            lines.append(built.to_absolute_path(store_io.store_dir) + "\n")
        return "".join(lines)

    evaluate_each(args, render, read_write=True)
