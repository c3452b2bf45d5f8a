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
import io
import json
import os
import sys
import traceback
from typing import Any, BinaryIO

__all__ = ["main", "serve_one"]


def _decode_args(encoded: list[str]) -> list[str]:
    return [os.fsdecode(base64.b64decode(a)) for a in encoded]


def serve_one(request: dict[str, Any]) -> dict[str, Any]:
    """Run one ``tvix`` command line as the real command would, capturing its output.

    The captured streams write through at once, as the real ones seen from outside do:
    standard error's text and bytes (``print`` and ``.buffer.write``) keep their order.
    """
    from tvix_cli.main import main as tvix

    os.chdir(request["cwd"])
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = io.TextIOWrapper(out, "utf-8", "surrogateescape", write_through=True)
    sys.stderr = io.TextIOWrapper(err, "utf-8", "backslashreplace", write_through=True)
    status: int
    try:
        tvix(_decode_args(request["argv"]))
        status = 0
    except SystemExit as stop:
        status = _exit_status(stop.code)
    except BaseException:  # what a user would see: Python's traceback, status 1
        sys.stderr.write(traceback.format_exc())
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        written = out.getvalue(), err.getvalue()
        sys.stdout, sys.stderr = saved
    return {
        "status": status,
        "stdout": base64.b64encode(written[0]).decode(),
        "stderr": base64.b64encode(written[1]).decode(),
    }


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` gives a process (a message means 1, printed)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


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
