"""Run ``tvix`` command lines one after another in one long-lived Python process.

Starting ``tvix`` anew for each of hundreds of cases would spend most of the time importing;
running the evaluator inside pytest itself would let one crash (a C stack overflow) or one
endless loop of the evaluator under test take the whole run down with it. So the harness
keeps one worker process: it imports the command once, and the harness kills and replaces it
when a case overruns its time or the process dies.

Protocol, one JSON object per line: the harness sends ``{"argv": [...], "cwd": "..."}``
(arguments as bytes in base64, since file names need not be UTF-8), the worker answers
``{"status": N, "stdout": base64, "stderr": base64}``. An exception that escapes the command
is answered as the Python traceback a user would have seen, with status 1.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import traceback
from typing import Any, BinaryIO

__all__ = ["main", "serve_one"]


def _decode_args(encoded: list[str]) -> list[str]:
    return [os.fsdecode(base64.b64decode(a)) for a in encoded]


def serve_one(request: dict[str, Any]) -> dict[str, Any]:
    """Run one ``tvix`` command line as the real command would, capturing its output."""
    from click.testing import CliRunner
    from tvix_cli.main import cli

    os.chdir(request["cwd"])
    result = CliRunner().invoke(cli, _decode_args(request["argv"]), catch_exceptions=True)
    stderr = result.stderr_bytes or b""
    status = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        stderr += "".join(traceback.format_exception(*result.exc_info)).encode()
        status = 1
    return {
        "status": status,
        "stdout": base64.b64encode(result.stdout_bytes).decode(),
        "stderr": base64.b64encode(stderr).decode(),
    }


def main() -> None:
    # The answers travel on the original standard output; anything else written there by
    # mistake goes to standard error instead of corrupting the protocol.
    channel: BinaryIO = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    for line in sys.stdin.buffer:
        answer = serve_one(json.loads(line))
        channel.write(json.dumps(answer).encode() + b"\n")
        channel.flush()


if __name__ == "__main__":
    main()
