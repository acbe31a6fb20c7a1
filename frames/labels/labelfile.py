"""A labels file that answers are appended to one at a time, each on disk before the next is asked.

Kept apart from the labeller so that importing labels (frames.labels.interchange) needs neither the
sentence splitter nor numpy. Appends go only into a *.jsonl file of label rows of the right kind
(`check_label_target`), so that no command can append answers to a codebook, a corpus or a note.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from frames.files.atomic import append_line, write_atomic
from frames.errors import LabelsError
from frames.labels.store import ARTICLES_DIR, article_row_problem, parse_json_row, parse_label_row
from frames.files.outputs import describe

RowKind = Literal["sentence", "article"]


def check_label_target(path: Path, kind: RowKind = "sentence") -> None:
    """Refuse, before any work, to append ``kind`` label rows to anything but a *.jsonl file that is
    new, empty or holds such rows only; the place must be writable. Nothing is created."""
    path = Path(path)
    what = f"{kind} label rows"
    fix = "give a new or existing *.jsonl labels file"
    if path.suffix != ".jsonl":
        there = f" (it is {describe(path)})" if path.exists() or path.is_symlink() else ""
        raise LabelsError(f"{path}: not a *.jsonl file{there}; frames appends {what} only to *.jsonl labels "
                          f"files; {fix}")
    misplaced = _misplaced(path, kind)
    if misplaced:
        raise LabelsError(f"{path}: {misplaced}; {fix}")
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise LabelsError(f"{path}: is {describe(path)}, not a labels file; {fix}")
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (UnicodeDecodeError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise LabelsError(f"{path}: cannot be read as a labels file ({reason}); {fix}") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            if kind == "sentence":
                message = parse_label_row(line)[1]
            else:
                row, message = parse_json_row(line)
                message = message or article_row_problem(row)
            if message:
                article = "an" if kind == "article" else "a"
                raise LabelsError(f"{path}:{number}: not {article} {kind} label row ({message}); frames appends only to a "
                                  f"file of {what}, so nothing was written. {fix[0].upper()}{fix[1:]}")
        if not os.access(path, os.W_OK):
            raise LabelsError(f"{path}: cannot be written (permission denied); {fix}")
        return
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise LabelsError(f"{path}: {folder} is a file, not a folder; {fix}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise LabelsError(f"{path}: cannot write in {folder} (permission denied); {fix}")


def _misplaced(path: Path, kind: RowKind) -> str:
    """Why ``path`` is the wrong place for ``kind`` rows in a labels folder (a folder with a codebook.json),
    where sentence labels are read from every *.jsonl but the articles/ folder, and article labels from that folder."""
    folder = path.absolute().parent
    for root in (folder, *folder.parents):
        if (root / "codebook.json").is_file():
            in_articles = ARTICLES_DIR in folder.relative_to(root).parts
            if kind == "sentence" and in_articles:
                return f"in the {ARTICLES_DIR}/ folder of {root}, where frames reads article labels, not sentence labels"
            if kind == "article" and not in_articles:
                return (f"in the labels folder {root}, where frames reads sentence labels; article labels go in "
                        f"its {ARTICLES_DIR}/ folder")
            return ""
    return ""


class LabelFile:
    """A JSONL labels file that answers are appended to one by one, each synced to disk.

    Opening one checks the target (`check_label_target`); the folder is created with the first answer.
    """

    def __init__(self, path: Path, kind: RowKind = "sentence"):
        self.path = Path(path)
        check_label_target(self.path, kind)

    def append(self, row: dict) -> None:
        """Append one row as one complete line, fsync'd (with its folder, for a new file) before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        append_line(self.path, (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))

    def remove_last(self) -> dict | None:
        """Take the last row off the file (write-and-rename) and return it; None if empty."""
        if not self.path.is_file():
            return None
        lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            return None
        last = json.loads(lines.pop())
        write_atomic(self.path, "".join(lines).encode("utf-8"))
        return last
