"""A wrong command line that argparse cannot see by itself.

Some rules tie options together (``tvix eval`` needs ``-E`` or a file, one or the other being
optional to argparse): a command's ``run`` checks them and raises :class:`UsageError`, and
:func:`tvix_cli.main.main` reports it as argparse reports its own mistakes (the command's usage
and the message on stderr, status 2). The class lives apart from :mod:`tvix_cli.main` because
that module also runs as ``__main__``, where it would be a second, different class.
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """The command line is wrong; the message says how, without usage or ``error:``."""
