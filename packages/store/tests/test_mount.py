"""`tvix-store mount`: every valid store path, read through the kernel as the reference
reads the tree it was made from."""

from __future__ import annotations

import filecmp
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tvix_castore.mount import fuse_available

support = importlib.import_module("store_support")
run = support.run

REASON = fuse_available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"FUSE unusable here: {REASON}")


def test_mounted_store_paths_read_like_their_trees(oracle, tmp_path: Path, tree: Path) -> None:  # type: ignore[no-untyped-def]
    path = run(tmp_path, "import", tree).stdout.decode().strip()
    assert path == oracle.out("nix-store", "--add", tree)
    base = path.removeprefix("/nix/store/")
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "tvix_store", "mount", str(mountpoint)],
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not os.path.ismount(mountpoint):
            assert process.poll() is None, process.stderr.read() if process.stderr else b""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert os.listdir(mountpoint) == [base]
        mounted = mountpoint / base
        comparison = filecmp.dircmp(tree, mounted)
        assert not comparison.left_only and not comparison.right_only
        for file in tree.rglob("*"):
            twin = mounted / file.relative_to(tree)
            if file.is_symlink():
                assert os.readlink(twin) == os.readlink(file)
            elif file.is_file():
                assert twin.read_bytes() == file.read_bytes()
                assert os.access(twin, os.X_OK) == os.access(file, os.X_OK)
        assert not (mountpoint / "00000000000000000000000000000000-x").exists()
        assert not (mountpoint / "not-a-store-path").exists()
        with pytest.raises(OSError):
            (mounted / "new-file").write_text("read-only")
    finally:
        subprocess.run(["fusermount3", "-u", str(mountpoint)], check=False, capture_output=True)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert b"Traceback" not in err
