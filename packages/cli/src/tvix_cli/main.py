"""The ``tvix`` command: one click group, one module per sub-command.

Each sub-command lives in its own module and is added to :data:`cli` here, so that commands
can be written (and tested) apart.
"""

from __future__ import annotations

import click

from tvix_cli.eval import eval_command
from tvix_cli.parse import parse_command

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tvix-cli", prog_name="tvix")
def cli() -> None:
    """Tvix, a Nix implementation in Python: the Nix language, store and builds."""


cli.add_command(eval_command)
cli.add_command(parse_command)


if __name__ == "__main__":
    cli()
