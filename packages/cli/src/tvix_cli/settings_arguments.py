"""The command-line arguments that set Nix settings, as ``nix-instantiate`` takes them:
``--option NAME VALUE`` and the settings' own flags (``--max-call-depth N``, ``--pure-eval``,
``--impure``, ``--extra-experimental-features LIST``...), applied in the order given (the
last of two for one setting wins). Every command that evaluates or parses takes them alike.
"""

from __future__ import annotations

import argparse
from typing import Any

from tvix_eval.settings import EvalSettings

from tvix_cli.terminal import warn

__all__ = ["add_settings_arguments", "read_settings"]


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the settings' arguments, gathered in order into ``settings`` for
    :func:`read_settings`."""
    parser.add_argument(
        "--option",
        nargs=2,
        action="append",
        dest="settings",
        default=[],
        metavar=("NAME", "VALUE"),
        help="Set a Nix setting (implemented: max-call-depth, abort-on-warn, pure-eval, "
        "tarball-ttl, (extra-)experimental-features, (extra-)trusted-public-keys).",
    )
    parser.add_argument(
        "--max-call-depth",
        action=_Setting,
        dest="settings",
        metavar="N",
        help="Deepest nesting of function calls before an error (default: 10000).",
    )
    parser.add_argument(
        "--abort-on-warn",
        action=_Setting,
        nargs=0,
        dest="settings",
        const="true",
        help="Make builtins.warn an error, to show where a warning comes from.",
    )
    parser.add_argument(
        "--no-abort-on-warn", action=_Setting, nargs=0, dest="settings", const="false"
    )
    parser.add_argument(
        "--pure-eval",
        action=_Setting,
        nargs=0,
        dest="settings",
        const="true",
        help="Evaluate hermetically: no environment, no files outside the store paths given.",
    )
    for option in ("--no-pure-eval", "--impure"):
        parser.add_argument(
            option,
            action=_Setting,
            nargs=0,
            dest="settings",
            const="false",
            setting="pure-eval",
            help="Evaluate with the environment and this machine's files (the default)."
            if option == "--impure"
            else argparse.SUPPRESS,
        )
    for option, what in (
        ("--experimental-features", "Enable only these experimental features"),
        ("--extra-experimental-features", "Enable these experimental features too"),
    ):
        parser.add_argument(
            option,
            action=_Setting,
            dest="settings",
            metavar="FEATURES",
            help=f"{what} (a space-separated list: flakes, fetch-closure, pipe-operators...).",
        )


class _Setting(argparse.Action):
    """``--NAME VALUE`` (or ``--NAME``, ``--no-NAME`` for a Boolean): ``--option NAME VALUE``;
    ``setting`` names the setting where the option's name is not it (``--impure``)."""

    def __init__(self, *args: Any, setting: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setting = setting

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        name = self.setting or self.option_strings[0].removeprefix("--").removeprefix("no-")
        value = values if self.const is None else self.const
        # Unlike --option's, a wrong value here is an error, as with C++ Nix (an unknown
        # experimental feature is only warned about, later, as with --option).
        if name not in EvalSettings.FEATURE_LISTS:
            for problem in EvalSettings().set(name, value):
                parser.error(problem.removeprefix("error: "))
        namespace.settings = [*namespace.settings, [name, value]]


def read_settings(given: list[list[str]]) -> EvalSettings:
    """The settings of the command line, warning as C++ Nix does about what does not read."""
    settings = EvalSettings()
    warnings = [w for name, value in given for w in settings.set(name, value)]
    warn([*warnings, *settings.unknown_names()])
    return settings
