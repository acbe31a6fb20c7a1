"""Labelling in the terminal: which sentences to offer, and answers saved the moment they are given.

The command line draws the prompts; this module decides the order (reading order, or the
sentences the model is least sure about), skips sentences already labelled, appends each answer
to the labels file with an fsync, and undoes the last answer by rewriting the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from frames.articles import read_article
from frames.errors import ArticleError, FramesError
from frames.labels import label_files, normalise, read_label_file
from frames.model import Model
from frames.atomic import write_atomic
from frames.sentences import split_sentences

UNCERTAINTY_RULE = "the smallest distance |p - threshold| over the frames: closest to a decision first"


@dataclass(frozen=True)
class Candidate:
    """A sentence to label, with its neighbours for context and the article it comes from."""

    text: str
    source: str
    before: str
    after: str


def collect(paths: list[Path], pattern: str = "*.txt") -> tuple[list[Candidate], list[str]]:
    """Every sentence of the articles at ``paths`` (files, or folders searched recursively), in
    reading order; and a message for each article that could not be read."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob(pattern) if p.is_file()))
        elif path.exists():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    candidates: list[Candidate] = []
    for file in files:
        try:
            sentences = split_sentences(read_article(file).text)
        except ArticleError as exc:
            problems.append(str(exc))
            continue
        texts = [s.text for s in sentences]
        for i, text in enumerate(texts):
            candidates.append(Candidate(text, file.name, texts[i - 1] if i else "",
                                        texts[i + 1] if i + 1 < len(texts) else ""))
    return candidates, problems


def labelled_texts(files: list[Path]) -> set[str]:
    """Normalised texts of every sentence already in these label files (those that exist)."""
    seen: set[str] = set()
    for file in files:
        if file.is_file():
            seen.update(normalise(s.text) for s in read_label_file(file)[0])
    return seen


def to_label(candidates: list[Candidate], done: set[str]) -> list[Candidate]:
    """Candidates not yet labelled, each sentence once."""
    out, seen = [], set(done)
    for c in candidates:
        key = normalise(c.text)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def most_uncertain(candidates: list[Candidate], model: Model, n: int) -> list[Candidate]:
    """The n candidates the model is least sure about, by UNCERTAINTY_RULE (ties: reading order)."""
    if not candidates or n <= 0:
        return []
    probabilities = model.predict_proba([c.text for c in candidates])
    distance = np.abs(probabilities - model.thresholds).min(axis=1)
    order = np.argsort(distance, kind="stable")[:n]
    return [candidates[i] for i in order]


class LabelFile:
    """A JSONL labels file that answers are appended to one by one, each synced to disk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, row: dict) -> None:
        """Append one row as one complete line, flushed and fsync'd before returning."""
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and not self._ends_with_newline():
                line = b"\n" + line  # a hand-edited file without a final newline: keep its last line whole
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

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

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"


class LabelSession:
    """Walks through candidates; answers go to the file at once, undo steps back one answer."""

    def __init__(self, candidates: list[Candidate], file: LabelFile, annotator: str | None = None):
        self.candidates = candidates
        self.file = file
        self.annotator = annotator
        self.position = 0
        self.saved = 0
        self._history: list[tuple[int, bool]] = []  # (position, whether an answer was written)

    @property
    def done(self) -> bool:
        return self.position >= len(self.candidates)

    @property
    def current(self) -> Candidate:
        return self.candidates[self.position]

    def answer(self, frames: list[str]) -> None:
        """Save the frames of the current sentence ([] for none) and move on."""
        c = self.current
        row: dict = {"text": c.text, "frames": sorted(frames), "source": c.source}
        if self.annotator:
            row["annotator"] = self.annotator
        self.file.append(row)
        self.saved += 1
        self._history.append((self.position, True))
        self.position += 1

    def skip(self) -> None:
        """Move on without saving anything."""
        self._history.append((self.position, False))
        self.position += 1

    def undo(self) -> bool:
        """Go back one step, removing its answer from the file if it saved one; False at the start."""
        if not self._history:
            return False
        position, wrote = self._history.pop()
        if wrote:
            if self.file.remove_last() is None:
                raise FramesError(f"{self.file.path}: the answer to undo is no longer in the file")
            self.saved -= 1
        self.position = position
        return True


def label_files_near(labels_file: Path) -> list[Path]:
    """The labels file and every other label file in its folder tree (to skip labelled sentences)."""
    folder = labels_file.parent
    files = label_files(folder) if folder.is_dir() else []
    return sorted(set(files) | {labels_file})
