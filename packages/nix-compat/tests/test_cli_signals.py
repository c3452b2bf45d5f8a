"""SIGTERM and SIGHUP end a command through its cleanup, as SIGINT (KeyboardInterrupt) does.

The restore that leaves nothing behind when killed is tested in ``test_nar_restore``; these are
the properties of the mechanism itself.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from nix_compat.cli import main
from nix_compat.cli._signals import Terminated, unwind_on_signals


def _kill_later(signo: int, delay: float = 0.2) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), os.kill(os.getpid(), signo)))
    thread.start()
    return thread


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGHUP])
def test_signal_interrupts_a_blocking_read_with_terminated(signo: int) -> None:
    read_fd, write_fd = os.pipe()
    killer = _kill_later(signo)
    try:
        with pytest.raises(Terminated) as e, unwind_on_signals():
            os.read(read_fd, 1)  # nothing ever comes
        assert e.value.signo == signo
    finally:
        killer.join()
        os.close(read_fd)
        os.close(write_fd)


def test_sigint_is_still_keyboard_interrupt() -> None:
    read_fd, write_fd = os.pipe()
    killer = _kill_later(signal.SIGINT)
    try:
        with pytest.raises(KeyboardInterrupt), unwind_on_signals():
            os.read(read_fd, 1)
    finally:
        killer.join()
        os.close(read_fd)
        os.close(write_fd)


def test_a_second_signal_does_not_cut_the_cleanup_short() -> None:
    cleaned = False
    with pytest.raises(Terminated), unwind_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler raises here
        finally:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
            cleaned = True
    assert cleaned


def test_handlers_are_the_process_own_again_afterwards(capsys: pytest.CaptureFixture[str]) -> None:
    before = {signo: signal.getsignal(signo) for signo in (signal.SIGTERM, signal.SIGHUP)}
    assert main(["hash", "convert", "--to", "base16", "sha256-" + "A" * 43]) == 0
    assert {signo: signal.getsignal(signo) for signo in before} == before
    assert capsys.readouterr().out == "0" * 64 + "\n"
    assert signal.set_wakeup_fd(-1) == -1  # no wakeup descriptor was left behind
