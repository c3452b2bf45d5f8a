"""Ending a command on SIGINT, SIGTERM or SIGHUP only after its cleanup has run.

Python's default for SIGTERM and SIGHUP is to die at once, skipping every ``finally``: a
``nar restore`` killed that way left its staging folder behind. While a command runs, the three
signals are turned into exceptions instead (``KeyboardInterrupt`` for SIGINT, as usual, and
:class:`Terminated` for the others), which unwind the command through its cleanup.

One race needs more than a handler. CPython runs a signal's Python handler when the main thread
next executes Python code; a signal that lands just before the thread blocks in a system call
(the read of a pipe that has stalled) interrupts nothing, and the handler waits for data that
may never come. So the C-level handler's wakeup byte is watched by a helper thread, which sends
the signal to the main thread again until the handler has run: one of those lands inside the
blocking call, which then fails with EINTR and lets the handler run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Final

__all__ = ["SIGNALS", "Terminated", "unwind_on_signals"]

#: The signals a command is ended by, after its cleanup.
SIGNALS: Final = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: How long the helper waits for the handler before sending the signal again.
_RESEND_INTERVAL: Final = 0.05


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived. A BaseException, as KeyboardInterrupt is, so that no
    ``except Exception`` stops it on its way out."""

    def __init__(self, signo: int) -> None:
        self.signo = signo
        super().__init__(f"terminated by {signal.Signals(signo).name}")


def _exception(signo: int) -> BaseException:
    return KeyboardInterrupt() if signo == signal.SIGINT else Terminated(signo)


class _State:
    """What the handler, the helper thread and the block's exit share."""

    def __init__(self) -> None:
        self.handled = threading.Event()
        #: Set once the block is done: a signal then is raised after the block's own exit.
        self.closing = False
        self.pending: int | None = None

    def handler(self, signo: int, _frame: FrameType | None) -> None:
        if self.handled.is_set():
            return  # a second signal, or one sent again: the first is being handled
        self.handled.set()
        if self.closing:
            self.pending = signo
            return
        raise _exception(signo)


@contextlib.contextmanager
def unwind_on_signals() -> Iterator[None]:
    """Within the block, SIGINT raises KeyboardInterrupt and SIGTERM/SIGHUP :class:`Terminated`.

    Only the first signal raises: another one, arriving while the cleanup runs, must not cut
    the cleanup short. Handlers can only be set from the main thread; elsewhere (a test that
    calls the command's ``main`` from a thread) the block runs with the process's own.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    state = _State()
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)  # the C handler must never block on a full pipe
    previous = {signo: signal.signal(signo, state.handler) for signo in SIGNALS}
    previous_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    helper = threading.Thread(
        target=_send_again_until_handled,
        args=(read_fd, state.handled, threading.main_thread().ident),
        name="nix-compat-signals",
        daemon=True,
    )
    helper.start()
    try:
        yield
    finally:
        # Restore the process's handlers only once the helper is gone: a signal it sent late
        # must not meet the default action, which kills without cleanup.
        state.closing = True
        signal.set_wakeup_fd(previous_wakeup)
        os.close(write_fd)  # the helper reads the end of the pipe and returns
        helper.join()
        os.close(read_fd)
        for signo, old in previous.items():
            signal.signal(signo, old)
    if state.pending is not None:
        raise _exception(state.pending)


def _send_again_until_handled(read_fd: int, handled: threading.Event, main: int | None) -> None:
    """Wait for a signal's wakeup byte; then resend the signal until its handler has run."""
    # Signals for the process are then always delivered to the main thread, where they can
    # interrupt its system calls.
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    while data := os.read(read_fd, 64):
        caught = [signo for signo in data if signo in SIGNALS]
        if not caught or main is None:
            continue
        while not handled.wait(_RESEND_INTERVAL):
            signal.pthread_kill(main, caught[0])
        return
