"""``tvix instantiate``: evaluate, write the derivations the value holds to the store, and
print their paths, as ``nix-instantiate`` does (one a line; ``!OUTPUT`` after the path of a
derivation selected by one of its other outputs)."""

from __future__ import annotations

import argparse
from typing import Any

from tvix_eval.get_derivations import get_derivations
from tvix_eval.runtime import ops
from tvix_eval.value import force

from tvix_cli.eval import add_evaluation_arguments, evaluate_each
from tvix_cli.terminal import warn

__all__ = ["configure", "run", "selected_outputs"]

Value = Any

_NO_ROOT = "you did not specify '--add-root'; the result might be removed by the garbage collector"


def configure(parser: argparse.ArgumentParser) -> None:
    add_evaluation_arguments(parser, "Instantiate this expression instead of a file.")


def selected_outputs(value: Value) -> list[tuple[str, str]]:
    """The derivations ``value`` holds, as nix-instantiate finds them: each ``.drv`` path and
    the output it was selected by (``out`` unless another was)."""
    selected = []
    for found in get_derivations(value):
        drv_path = str(ops.expect_string(force(found.attrs["drvPath"])))
        output = "out"
        if "outputName" in found.attrs:
            output = str(ops.expect_string(force(found.attrs["outputName"])))
        selected.append((drv_path, output))
    return selected


def run(args: argparse.Namespace) -> None:
    warned: list[bool] = []

    def render(selected: Value) -> str:
        lines = []
        for drv_path, output in selected_outputs(selected):
            if not warned:
                warn([_NO_ROOT])
                warned.append(True)
            lines.append(drv_path + ("" if output == "out" else f"!{output}") + "\n")
        return "".join(lines)

    evaluate_each(args, render, read_write=True)
