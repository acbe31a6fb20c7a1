"""Batch input beyond a folder of text files: corpus files with one article a row, and metadata for folders.

A corpus (JSONL, CSV, or either gzipped) is read row by row in the parent process through
frames.text.corpus.read_corpus. Its documents, text included, go to the workers in chunks of
CHUNK_ARTICLES, so no worker reads the corpus and memory stays flat as the corpus grows. A
document already in the output with the same text hash is not sent at all. Rows keep the
document's id and the chosen metadata fields; a bad row (malformed JSON, no text, not UTF-8, an
id given twice) becomes a skip named FILE:LINE, in its place in the file's order; rows repeating an
earlier row exactly (same id, same text) are counted into one skip, ``CorpusSource.repeats``.

A folder of .txt files takes its metadata from a CSV (``--meta-file``) with a ``path`` column
holding each article's path relative to the folder.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from frames.batch.worker import ArticleText, Outcome, Skipped, _worker_model, score_texts, watch_parent
from frames.text.corpus import Repeat, read_corpus
from frames.errors import FramesError, Problem

META_KEY = "path"  # the column of a --meta-file naming each article, relative to the folder


@dataclass(frozen=True)
class MetaTable:
    """Metadata for the articles of a folder: the fields chosen, and each relative path's values."""

    file: Path
    fields: tuple[str, ...]
    rows: dict[str, dict[str, str]]

    def get(self, path: str) -> dict[str, str]:
        """An article's metadata (empty when the file has no row for it)."""
        return self.rows.get(path, {})


def read_meta_file(path: str | Path, fields: tuple[str, ...] = ()) -> MetaTable:
    """A --meta-file: a UTF-8 CSV with a ``path`` column; ``fields`` picks columns (default: all the others).

    A missing column, an empty or repeated path, or an unreadable row is an error naming FILE:LINE.
    """
    path = Path(path)
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = tuple(reader.fieldnames or ())
            if META_KEY not in columns:
                shown = ", ".join(columns[:8]) or "none"
                raise FramesError(f"{path}: no {META_KEY!r} column (columns: {shown}); name the column of article "
                                  f"paths, relative to the folder, {META_KEY!r}")
            missing = [f for f in fields if f not in columns]
            if missing:
                raise FramesError(f"{path}: no column {missing[0]!r} for --meta (columns: {', '.join(columns)})")
            chosen = fields or tuple(c for c in columns if c != META_KEY and c)
            rows: dict[str, dict[str, str]] = {}
            first_line: dict[str, int] = {}
            while True:
                line = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise FramesError(f"{path}:{line}: unreadable CSV row ({exc})") from None
                key = normalise_path(record.get(META_KEY) or "")
                if not key:
                    raise FramesError(f"{path}:{line}: no path in the {META_KEY!r} column")
                if key in rows:
                    raise FramesError(f"{path}:{line}: {key!r} is given twice (first on line {first_line[key]}); "
                                      f"keep one row per article")
                first_line[key] = line
                rows[key] = {f: record[f] for f in chosen if record.get(f) not in (None, "")}
    except FileNotFoundError:
        raise FramesError(f"{path}: no such file; give the CSV of article metadata") from None
    except UnicodeDecodeError as exc:
        raise FramesError(f"{path}: not UTF-8 ({exc.reason}); re-save it as UTF-8 CSV") from None
    except OSError as exc:
        raise FramesError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return MetaTable(path, chosen, rows)


def normalise_path(value: str) -> str:
    """A relative path as batch rows name it: '/'-separated, without a leading './'."""
    value = value.strip().replace("\\", "/")
    while value.startswith("./"):
        value = value[2:]
    return value


class CorpusSource:
    """A corpus file read row by row into chunks for the workers.

    It remembers the ids in the file's order (the order the output is compacted in after a
    resume) and each document's metadata until its row is written (see ``meta``).
    """

    def __init__(self, path: Path, text_field: str = "text", id_field: str = "id", meta: tuple[str, ...] = ()):
        path = Path(path)
        if not path.is_file():
            raise FramesError(f"{path}: no such file; give a corpus file (.jsonl, .csv, .jsonl.gz or .csv.gz) or a folder")
        self.path = path
        self.text_field = text_field
        self.id_field = id_field
        self.fields = meta
        self.order: list[str] = []
        self._meta: dict[str, dict[str, str]] = {}
        self._repeats: list[Repeat] = []  # the first few, and their count below
        self._repeated = 0

    @property
    def repeats(self) -> Skipped | None:
        """One skip summing up the rows that repeat an earlier row exactly (None when there are none)."""
        if not self._repeated:
            return None
        shown = ", ".join(f"line {r.line} repeats line {r.first}" for r in self._repeats)
        many = self._repeated > len(self._repeats)
        return Skipped(str(self.path), f"{self._repeated} row{'s' if self._repeated > 1 else ''} repeat an earlier "
                                       f"row's id and text ({shown}{', ...' if many else ''}): each article is "
                                       f"scored once")

    def chunks(self, done: dict[str, str], size: int) -> Iterator[list[Outcome | ArticleText]]:
        """The corpus in chunks of ``size`` rows, in the file's order: documents to score, documents
        unchanged since ``done`` (id -> sha256 already in the output) and bad rows, as skips."""
        chunk: list[Outcome | ArticleText] = []
        for entry in read_corpus(self.path, self.text_field, self.id_field, self.fields):
            if isinstance(entry, Repeat):
                self._repeated += 1
                if len(self._repeats) < 3:
                    self._repeats.append(entry)
                continue
            if isinstance(entry, Problem):
                where = f"{entry.file}:{entry.line}"
                chunk.append(Outcome(where, skipped=Skipped(where, entry.message)))
            elif not _valid(entry.id) or not _valid(entry.text):
                where = f"{self.path}:{entry.line}"
                chunk.append(Outcome(where, skipped=Skipped(where, "a \\u escape in it is half a character "
                                                                   "(an unpaired surrogate), not text; fix the row")))
            else:
                data = entry.text.encode("utf-8")
                digest = hashlib.sha256(data).hexdigest()
                self.order.append(entry.id)
                if done.get(entry.id) == digest:
                    chunk.append(Outcome(entry.id, unchanged=True, size=len(data)))
                else:
                    self._meta[entry.id] = entry.meta
                    chunk.append(ArticleText(entry.id, f"{self.path}:{entry.line}", digest, len(data), entry.text))
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def meta(self, key: str) -> dict[str, str]:
        """A document's metadata, handed over once: its row is being written."""
        return self._meta.pop(key, {})


def _valid(text: str) -> bool:
    """Whether a string is text that can be written as UTF-8 (JSON may smuggle in lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def score_documents(model_path: str, texts: list[Outcome | ArticleText], evidence: int,
                    parent_pid: int | None = None, any_language: bool = False) -> list[Outcome]:
    """A worker's task: split and score a chunk of corpus documents (their text is in the chunk)."""
    if parent_pid is not None:
        watch_parent(parent_pid)
    return score_texts(_worker_model(model_path), texts, evidence, any_language, key="id")


def with_meta(row: dict, meta: dict[str, str]) -> dict:
    """The row with its ``meta`` object placed after ``n_sentences``."""
    placed: dict = {}
    for name, value in row.items():
        placed[name] = value
        if name == "n_sentences":
            placed["meta"] = meta
    return placed
