"""``tvix build``: evaluate, build the derivations the value holds (and what they need, in
order, each only if its outputs are not yet in the store) with the build service, and print
the output paths as ``nix-build --no-out-link`` does, one a line."""

from __future__ import annotations

import argparse
from typing import Any

from tvix_eval.runtime.active_io import active_io

from tvix_cli.eval import add_evaluation_arguments, evaluate_each
from tvix_cli.instantiate import selected_outputs

__all__ = ["configure", "run"]

Value = Any


def configure(parser: argparse.ArgumentParser) -> None:
    add_evaluation_arguments(parser, "Build this expression instead of a file.")


def run(args: argparse.Namespace) -> None:
    def render(selected: Value) -> str:
        from tvix_glue.builder import BuilderFailed

        lines = []
        for drv_path, output in selected_outputs(selected):
            try:
                # Built as evaluation builds what it reads (with what it needs first).
                built = active_io().realise(drv_path, output)
            except BuilderFailed as failed:
                failed.exit_status = 100  # as nix-build ends when a build fails
                raise
            assert built is not None, "tvix build evaluates with a store"
            lines.append(built + "\n")
        return "".join(lines)

    evaluate_each(args, render, read_write=True)
