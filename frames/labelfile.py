"""A labels file that answers are appended to one at a time, each on disk before the next is asked.

Kept apart from the labeller so that importing labels (frames.interchange) needs neither the
sentence splitter nor numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

from frames.atomic import append_line, write_atomic


class LabelFile:
    """A JSONL labels file that answers are appended to one by one, each synced to disk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, row: dict) -> None:
        """Append one row as one complete line, fsync'd (with its folder, for a new file) before returning."""
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
