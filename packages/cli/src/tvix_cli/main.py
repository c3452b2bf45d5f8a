"""The ``tvix`` command: one click group, one module per sub-command.

Each sub-command lives in its own module, named in :data:`COMMANDS`, so that commands can be
written (and tested) apart. A module is imported only when its command runs (or when help lists
the commands): ``tvix eval`` does not pay for loading ``tvix parse``, nor the reverse, and a
process's start-up is a large share of a short evaluation.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["COMMANDS", "cli"]

#: Sub-command name -> (module, attribute) of its click command.
COMMANDS: dict[str, tuple[str, str]] = {
    "eval": ("tvix_cli.eval", "eval_command"),
    "parse": ("tvix_cli.parse", "parse_command"),
}


class _LazyGroup(click.Group):
    """A group whose commands are imported from :data:`COMMANDS` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return super().get_command(ctx, cmd_name)
        command = getattr(importlib.import_module(spec[0]), spec[1])
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tvix-cli", prog_name="tvix")
def cli() -> None:
    """Tvix, a Nix implementation in Python: the Nix language, store and builds."""


if __name__ == "__main__":
    cli()
