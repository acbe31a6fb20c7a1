"""Safe writes: readers see the old content or the new, never half, and what was written survives a crash.

Every write of a user's file goes through here. A whole file is written to a temporary file
beside it, fsync'd and renamed over it; a line is appended and fsync'd; rows streamed to a file
are fsync'd when it is closed; a whole folder is built beside its place and swapped in. After a
rename or a new file, the folder holding it is fsync'd too, so the new name itself survives a
power cut (a rename is only durable once its directory is).
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO

_AT_FDCWD = -100  # renameat2: paths relative to the working directory
_RENAME_EXCHANGE = 2  # renameat2: swap the two names in one step


def sync_folder(folder: str | Path) -> None:
    """fsync a folder so that the names just created or renamed in it are on disk.

    A no-op where a folder cannot be opened or synced (some file systems, other systems).
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, content: bytes) -> None:
    """Write bytes to a temporary file beside ``path``, fsync it, rename it over ``path``, fsync the folder."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def append_line(path: str | Path, line: bytes) -> None:
    """Append one complete line to ``path`` (created if missing) and fsync it before returning.

    A file whose last line has no newline (edited by hand) gets one first, so both lines stay whole.
    """
    path = Path(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    if size == 0:  # possibly a new file: make its name durable too
        sync_folder(path.parent)


def close_synced(stream: IO) -> None:
    """Flush, fsync and close a file that rows were streamed to (already flushed line by line)."""
    try:
        stream.flush()
        try:
            os.fsync(stream.fileno())
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
                raise  # e.g. an I/O error: the rows may not be on disk
    finally:
        stream.close()


def write_folder(folder: str | Path, files: dict[str, bytes]) -> None:
    """Write a whole folder of ``files`` beside ``folder``, then put it in place of ``folder``.

    A crash while the files are written leaves ``folder`` as it was. For the swap itself see
    `replace_folder`.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    try:
        os.chmod(staging, 0o755)
        for name, content in files.items():
            with open(staging / name, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
        sync_folder(staging)
        replace_folder(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_folder(staging: Path, folder: Path) -> None:
    """Move the complete folder ``staging`` to ``folder``, replacing the folder there, if any.

    On Linux the two are exchanged in one step (renameat2 with RENAME_EXCHANGE), so ``folder``
    always holds either the old folder or the new one, whatever the moment of a crash. Where that
    is not available (another system, or a file system without it), the old folder is first
    renamed to ``.NAME.old-XXXX/NAME`` beside it and the new one renamed into place: a crash
    between those two renames leaves no folder at ``folder``, with the old one in
    ``.NAME.old-XXXX/NAME`` and the new one in ``.NAME.new-XXXX``; move either back by hand.
    """
    if not (folder.exists() or folder.is_symlink()):
        os.rename(staging, folder)
    elif exchange(staging, folder):
        shutil.rmtree(staging)  # it now holds the old folder
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
        os.replace(folder, old / folder.name)
        os.replace(staging, folder)  # a crash before this line leaves no folder at `folder`
        shutil.rmtree(old)
    sync_folder(folder.parent)


def exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` in one atomic step; False where this system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False  # the kernel or the file system does not support the exchange
    raise OSError(code, os.strerror(code), str(b))
