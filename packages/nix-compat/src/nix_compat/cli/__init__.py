"""The ``nix-compat`` command: Nix's formats from the shell.

Each sub-command lives in a module of this package that defines ``register(subparsers)``;
the module list below is the only place that names them.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from nix_compat._version import __version__
from nix_compat.cli._signals import Terminated, unwind_on_signals
from nix_compat.errors import NixCompatError

COMMAND_MODULES = ("hash", "drv", "narinfo", "nar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nix-compat", description="Read, write and check the formats of C++ Nix."
    )
    parser.add_argument("--version", action="version", version=f"nix-compat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"nix_compat.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; errors print one ``error: ...`` line and exit 1, never a traceback.

    Interrupted by SIGINT, SIGTERM or SIGHUP, it cleans up and exits with 128 + the signal's
    number, as a shell reports a command killed by it.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with unwind_on_signals():
            code: int = args.run(args)
    except Terminated as e:
        return 128 + e.signo
    except NixCompatError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        where = f" '{e.filename}'" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except BrokenPipeError:
        return 1
    return code
