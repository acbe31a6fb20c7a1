"""Where a command writes: check the place before any work, and replace only what frames wrote.

Every writing command (train, batch, labels export) calls `check_target` first. A path that
holds something else (a folder of notes, a labels folder, a plain file) is refused, with or
without --force, and the message names what is there, so that no flag can destroy it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from frames.errors import FramesError


def describe(path: Path) -> str:
    """What is at ``path``, in a few words a user recognises."""
    if path.is_symlink() and not path.exists():
        return "a broken symbolic link"
    if path.is_dir():
        try:
            names = sorted(p.name for p in path.iterdir())
        except OSError:
            return "a folder that cannot be read"
        if "codebook.json" in names:
            return "a labels folder (it has a codebook.json)"
        if not names:
            return "an empty folder"
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        return f"a folder of {len(names)} entr{'y' if len(names) == 1 else 'ies'} ({shown})"
    if path.is_file():
        return f"a file of {path.stat().st_size} bytes"
    return "something that is neither a file nor a folder"


def check_target(path: Path, force: bool, kind: str, is_kind: Callable[[Path], bool],
                 folder: bool = False) -> None:
    """Refuse to write ``path`` unless it is new, or is ``kind`` and ``force`` is given.

    ``kind`` names what the command writes ("a frames model", "a batch output"); ``is_kind``
    tells whether an existing path is one. With ``folder`` the command writes a folder and may
    create missing parent folders; otherwise the parent folder must exist. Either way the place
    must be writable, checked now rather than after the work.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not is_kind(path):
            raise FramesError(f"{path}: is {describe(path)}, not {kind}; frames replaces only {kind}, "
                              f"even with --force. Give another --out")
        if not force:
            raise FramesError(f"{path}: {kind} is already there; add --force to replace it, or give another --out")
        check_writable(path.parent, path)
        return
    parent = path.parent
    if folder:
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
    if not parent.exists():
        raise FramesError(f"{path}: no such folder {path.parent}; create it first or give another --out")
    if not parent.is_dir():
        raise FramesError(f"{path}: {parent} is a file, not a folder; give another --out")
    check_writable(parent, path)


def check_writable(folder: Path, path: Path) -> None:
    """A folder we can create files in, or a FramesError naming the --out that needs it."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FramesError(f"{path}: cannot write in {folder} (permission denied); give another --out")
    try:
        probe = folder / f".frames-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise FramesError(f"{path}: cannot write in {folder} ({exc.strerror or exc}); give another --out") from None
