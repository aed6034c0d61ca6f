"""Files the desk writes (the SQLite database, letters, the cookie secret) are its owner's
only: directories 0700, files 0600. They hold full taxpayer identification numbers; another
account on the same machine must not read them (issue 9)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Make ``path`` and any missing parents, each readable by the owner only (a directory
    that exists already is left as it is: its owner chose its mode)."""
    missing = []
    for p in (path, *path.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        try:
            p.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process
        os.chmod(p, DIR_MODE)  # mkdir's mode is cut by the umask; this is not


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it is missing (SQLite then gives its -wal and
    -shm files the same mode)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


# An issued letter's files are written before its row commits (the desk's order): each to a
# temporary name beside it, flushed to the disk, renamed into place (atomic on POSIX), the
# folder flushed, and read back against its sha256. A crash at any point leaves either the
# old state or the whole file, never a torn one.


def sha256_of(path: Path) -> str | None:
    """The file's sha256, or None when there is no such file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checked(path: Path, data: bytes, sha256: str, step: Callable[[str], None] | None = None) -> None:
    """Write ``data`` to ``path`` durably (owner-only), then check it reads back as ``sha256``.
    ``step`` is told each point passed (``written``, ``placed``): the crash tests stop there."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"{path.name}: the bytes to write do not match their sha256")
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if step is not None:
        step(f"{path.suffix[1:]} written")
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    if step is not None:
        step(f"{path.suffix[1:]} placed")
    if sha256_of(path) != sha256:
        raise OSError(f"{path}: the file does not read back as written")
