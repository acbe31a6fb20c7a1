"""Labels on text the project does not own: rows that point into a corpus instead of copying it.

A reference row names a corpus, a document id and character offsets into the document's text,
with a short hash of the span that catches drift. The corpus registry (corpora.json in the
labels folder) says where each corpus lives, relative to that folder; texts are read from there
when labels are loaded, the way shared annotation projects on news publish their labels.

A corpus whose file is not there (a fresh clone has none: see "The labelled corpora" in the
README) is not an error per row: its rows are skipped and counted, and reported as one
MissingCorpus problem per corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from frames.text.corpus import load_documents
from frames.errors import ArticleError, LabelsError, Problem

REGISTRY_FILE = "corpora.json"
REGISTRY_FORMAT = "frames-corpora/1"
HASH_LENGTH = 12


@dataclass(frozen=True)
class CorpusEntry:
    """One registered corpus: where its file is, and which fields hold the text and the id."""

    name: str
    path: Path
    text_field: str = "text"
    id_field: str = "id"


@dataclass(frozen=True)
class MissingCorpus(Problem):
    """Rows pointing into a registered corpus whose file is not there: skipped, reported once a corpus.

    ``file`` is the registry (corpora.json), ``rows`` how many rows were skipped, ``expected``
    where the registry says the corpus is.
    """

    corpus: str = ""
    rows: int = 0
    expected: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def missing_corpus(registry: str, corpus: str, expected: str, rows: int) -> MissingCorpus:
    """The one problem reported for ``rows`` rows pointing into a corpus not found at ``expected``."""
    counted = f"{rows:,} row points" if rows == 1 else f"{rows:,} rows point"
    return MissingCorpus(registry, 0, f"{counted} into corpus {corpus!r}, expected at {expected} (not found); put the "
                                      f"corpus there to retrain or check these rows (see \"The labelled corpora\" in "
                                      f"the README)", corpus, rows, expected)


def merge_missing(problems: list[Problem]) -> list[Problem]:
    """The problems with the MissingCorpus ones of several files summed into one per corpus, placed last."""
    others = [p for p in problems if not isinstance(p, MissingCorpus)]
    merged: dict[str, MissingCorpus] = {}
    for p in problems:
        if isinstance(p, MissingCorpus):
            rows = p.rows + (merged[p.corpus].rows if p.corpus in merged else 0)
            merged[p.corpus] = missing_corpus(p.file, p.corpus, p.expected, rows)
    return others + list(merged.values())


def shown_path(path: Path) -> str:
    """A path as a message shows it, without '..' inside it: relative to the working folder when it is
    in that folder's parent (``../shared/pool/kremlin.jsonl`` from the project's folder), else absolute."""
    absolute = os.path.normpath(os.path.abspath(path))
    relative = os.path.relpath(absolute)
    return relative if Path(relative).parts[:2].count("..") < 2 else absolute


def span_hash(span: str) -> str:
    """The short hash stored with a reference: the first 12 hex digits of the span's sha256."""
    return hashlib.sha256(span.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def sentence_text(span: str) -> str:
    """A span as a sentence reads: whitespace collapsed, as the sentence splitter gives it."""
    return " ".join(span.split())


def find_registry(start: str | Path) -> Path | None:
    """The corpora.json of the nearest folder at or above ``start``, if any."""
    here = Path(start).resolve()
    for folder in (here, *here.parents) if here.is_dir() else here.parents:
        if (folder / REGISTRY_FILE).is_file():
            return folder / REGISTRY_FILE
    return None


def load_registry(path: str | Path) -> dict[str, CorpusEntry]:
    """Read a corpus registry; corpus paths in it are relative to the registry's folder."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelsError(f"{path}: not a readable corpus registry ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != REGISTRY_FORMAT or not isinstance(data.get("corpora"), dict):
        raise LabelsError(f'{path}: expected {{"format": "{REGISTRY_FORMAT}", "corpora": {{NAME: {{"path": ...}}}}}}')
    entries = {}
    for name, spec in data["corpora"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise LabelsError(f'{path}: corpus {name!r} needs a "path" (relative to {path.parent})')
        entries[name] = CorpusEntry(name, path.parent / spec["path"], str(spec.get("text_field", "text")),
                                    str(spec.get("id_field", "id")))
    return entries


def register_corpus(registry: Path, name: str, corpus: Path, text_field: str, id_field: str) -> CorpusEntry:
    """Add a corpus to a registry (created if missing), written whole by write-and-rename."""
    from frames.files.atomic import write_atomic

    data = {"format": REGISTRY_FORMAT, "corpora": {}}
    if registry.is_file():
        data = json.loads(registry.read_text(encoding="utf-8"))
    relative = os.path.relpath(corpus.resolve(), registry.parent.resolve())
    data["corpora"][name] = {"path": Path(relative).as_posix(), "text_field": text_field, "id_field": id_field}
    registry.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(registry, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return CorpusEntry(name, registry.parent / data["corpora"][name]["path"], text_field, id_field)


class CorpusTexts:
    """The documents of registered corpora, each corpus read once, when first needed."""

    def __init__(self, registry: Path | None):
        self.registry = registry
        self.entries = load_registry(registry) if registry is not None else {}
        self._documents: dict[str, dict[str, str]] = {}
        self._missing: dict[str, bool] = {}

    @classmethod
    def near(cls, start: str | Path) -> "CorpusTexts":
        """The registry of the nearest labels folder at or above ``start``."""
        return cls(find_registry(start))

    def missing(self, corpus: str) -> bool:
        """Whether ``corpus`` is registered but its file is not there (its rows are then skipped)."""
        if corpus not in self._missing:
            self._missing[corpus] = corpus in self.entries and not self.entries[corpus].path.exists()
        return self._missing[corpus]

    def missing_problems(self, skipped: Counter) -> list[MissingCorpus]:
        """One problem per missing corpus, from the count of rows skipped (corpus -> rows)."""
        registry = shown_path(self.registry) if self.registry is not None else REGISTRY_FILE
        return [missing_corpus(registry, corpus, shown_path(self.entries[corpus].path), rows)
                for corpus, rows in skipped.items() if rows]

    def document(self, corpus: str, doc: str) -> str:
        """A document's text; a LabelsError says which corpus or document is missing and what to do."""
        if corpus not in self.entries:
            where = self.registry or REGISTRY_FILE
            raise LabelsError(f"unknown corpus {corpus!r}: add it to {where} with its path")
        if corpus not in self._documents:
            entry = self.entries[corpus]
            try:
                self._documents[corpus] = load_documents(entry.path, entry.text_field, entry.id_field)
            except ArticleError:
                raise LabelsError(f"corpus {corpus!r} not found at {entry.path}; put the corpus file there "
                                  f"or change its path in {self.registry}") from None
        text = self._documents[corpus].get(doc)
        if text is None:
            raise LabelsError(f"document {doc!r} is not in corpus {corpus!r} ({self.entries[corpus].path})")
        return text

    def span(self, corpus: str, doc: str, start: int, end: int, sha: str) -> str:
        """The sentence a reference points to, checked against its offsets and hash."""
        text = self.document(corpus, doc)
        if not 0 <= start < end <= len(text):
            raise LabelsError(f"offsets {start}-{end} are outside document {doc!r} ({len(text)} characters)")
        found = span_hash(text[start:end])
        if found != sha:
            raise LabelsError(f"the text at {start}-{end} of {doc!r} has hash {found}, not {sha}: the corpus "
                              f"changed since this was labelled")
        return sentence_text(text[start:end])


def reference(corpus: str, doc: str, text: str, start: int, end: int) -> dict:
    """The fields of a reference row pointing at text[start:end] of a document."""
    return {"corpus": corpus, "doc": doc, "start": start, "end": end, "sha": span_hash(text[start:end])}
