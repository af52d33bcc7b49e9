"""Real adverse conditions for tests: a full disk, an unprivileged user, an umask.

A full disk is a small tmpfs mounted for the test (this needs root, as on CI; elsewhere
the tests that need one are skipped saying why). It is a real ``ENOSPC``, so SQLite
reports ``SQLITE_FULL`` as it would on a real disk.

An unprivileged user is ``nobody``, taken on as the *effective* user for a while
(``seteuid``), so that the kernel's own permission checks apply in this process: a
real ``InteractiveShell`` can then meet a file it may not read or a folder it may not
write. When the tests already run unprivileged, it changes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NOBODY = 65534
IS_ROOT = os.geteuid() == 0


@contextmanager
def small_disk(size_kib: int = 1024) -> Iterator[Path]:
    """A freshly mounted tmpfs of ``size_kib`` KiB, unmounted afterwards; skips the test when it cannot mount."""
    if not IS_ROOT:
        pytest.skip("a full disk is a small tmpfs, and mounting one needs root")
    mount_point = Path(tempfile.mkdtemp(prefix="codex-small-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        mount_point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)
        mount_point.rmdir()


def fill(disk: Path) -> Path:
    """Fill ``disk`` up to its last byte with one file, and return that file (delete it to free the space)."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as file:
        while chunk:
            try:
                file.write(chunk)
            except OSError:  # ENOSPC: retry smaller, down to single bytes
                chunk = chunk[: len(chunk) // 2]
    return filler


@contextmanager
def unprivileged() -> Iterator[None]:
    """Act as ``nobody`` (effective ids, no supplementary groups) inside the block."""
    if not IS_ROOT:
        yield
        return
    groups = os.getgroups()
    os.setgroups([])
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)


@contextmanager
def shared_folder(mode: int = 0o755) -> Iterator[Path]:
    """A folder outside pytest's private tmp dir (which ``nobody`` cannot enter), with ``mode``, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="codex-shared-"))
    folder.chmod(mode)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)
