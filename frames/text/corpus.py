"""Reading corpora: JSONL, CSV or gzipped JSONL/CSV files with one article a row.

Real corpora come this way (an id, a text, a date, an outlet, a URL per row). Labelling, batch
scoring and the labels store all read them through `read_corpus`, which yields each good row as
a Document and each bad one as a Problem naming FILE:LINE, so a caller can report and go on.
A row repeating an earlier one exactly (same id, same text) is a Repeat, a kind of Problem that
a caller may summarise in one line rather than list.
"""

from __future__ import annotations

# csv, gzip and hashlib are imported where a corpus is read, not by modules that only ask is_corpus.
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from frames.errors import ArticleError, Problem
from frames.text.articles import CORPUS_SUFFIXES as SUFFIXES, is_corpus  # noqa: F401  (defined there, for classify)


@dataclass(frozen=True)
class Repeat(Problem):
    """A row with the id and the text of an earlier row (on line ``first``): the same article again, left out."""

    first: int = 0


@dataclass(frozen=True)
class Document:
    """One article of a corpus: its id, text, chosen metadata, and the line it starts on."""

    id: str
    text: str
    line: int
    meta: dict[str, str] = field(default_factory=dict)


def read_corpus(path: str | Path, text_field: str = "text", id_field: str = "id",
                meta: tuple[str, ...] = ()) -> Iterator[Document | Problem]:
    """Each row of a corpus file as a Document, or a Problem for a row that cannot be used.

    A row is bad when it is not valid UTF-8 or JSON, is not an object, has no non-empty text or id,
    or repeats an id seen before (a Repeat when its text is the same too). Metadata fields missing
    from a row are left out of its meta.
    """
    import gzip
    import hashlib

    path = Path(path)
    if not is_corpus(path):
        raise ArticleError(f"{path}: not a corpus file; name it .jsonl, .csv, .jsonl.gz or .csv.gz")
    seen: dict[str, tuple[int, bytes]] = {}  # id -> its first line and a digest of its text
    try:
        rows = _csv_rows(path) if ".csv" in path.name.lower() else _jsonl_rows(path)
        for line, row in rows:
            if isinstance(row, Problem):
                yield row
                continue
            document = _document(path, line, row, text_field, id_field, meta)
            if isinstance(document, Document):
                digest = hashlib.blake2b(document.text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                if document.id in seen:
                    first, earlier = seen[document.id]
                    if earlier == digest:
                        document = Repeat(str(path), line, f"repeats line {first} (same id {document.id!r}, "
                                                           f"same text): left out", first)
                    else:
                        document = Problem(str(path), line, f"id {document.id!r} appears twice (first on line "
                                                            f"{first}, with another text); ids must be unique")
                else:
                    seen[document.id] = (line, digest)
            yield document
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such file") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ArticleError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None


def _open(path: Path):
    import gzip

    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict | Problem]]:
    with _open(path) as stream:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield number, Problem(str(path), number, f"not UTF-8 ({exc.reason} at byte {exc.start}); re-save it as UTF-8")
                continue
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, Problem(str(path), number, f"malformed JSON ({exc.msg} at column {exc.colno})")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict | Problem]]:
    import csv

    csv.field_size_limit(sys.maxsize)
    with _open(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.DictReader(text)
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                yield line, Problem(str(path), line, f"unreadable CSV row ({exc}); re-save the file as UTF-8 CSV")
                return
            yield line, row


def _document(path: Path, line: int, row: object, text_field: str, id_field: str,
              meta: tuple[str, ...]) -> Document | Problem:
    if not isinstance(row, dict):
        return Problem(str(path), line, "expected a JSON object with one article")
    text = row.get(text_field)
    if not isinstance(text, str) or not text.strip():
        fields = ", ".join(sorted(str(k) for k in row)[:8])
        return Problem(str(path), line, f"no text in field {text_field!r} (fields: {fields}); give --text-field")
    doc_id = row.get(id_field)
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        return Problem(str(path), line, f"no id in field {id_field!r}; give --id-field")
    kept = {name: _scalar(row[name]) for name in meta if row.get(name) is not None}
    return Document(doc_id, text, line, kept)


def _scalar(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def load_documents(path: str | Path, text_field: str = "text", id_field: str = "id") -> dict[str, str]:
    """id -> text of every good row of a corpus (bad rows are left out; see read_corpus)."""
    return {d.id: d.text for d in read_corpus(path, text_field, id_field) if isinstance(d, Document)}
