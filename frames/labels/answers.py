"""Answers read from another labelling tool's export, before their label names are mapped to frames."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from frames.errors import LabelsError


@dataclass(frozen=True)
class Imported:
    """One annotator's answer on one text: the label names given, and who gave them.

    ``absent`` is None for a complete answer (every label not given is absent); a partial answer
    (a Prodigy binary or rejected choice) lists the label names judged absent and says nothing of
    the others. ``carried`` holds the frames row fields the tool kept in its metadata (settled,
    note, sample, a reference: see frames.labels.interchange.carried), as (name, value) pairs.
    """

    text: str
    labels: tuple[str, ...]
    source: str | None = None
    annotator: str | None = None
    absent: tuple[str, ...] | None = None
    carried: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Reading:
    """What reading an export found: the answers, and the records that gave none.

    read: records in the export (tasks, lines or CSV rows); unknown: answers or records that say
    nothing about any label (skipped, cancelled, ignored, unanswered, or empty where empty may mean
    unlabelled); unusable: records without text.
    """

    rows: tuple[Imported, ...]
    read: int
    unknown: int = 0
    unusable: int = 0


def json_records(text: str, name: str) -> list:
    """The records of a JSON export: a JSON array (or one object) or JSON Lines, one record a line."""
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")) and not _is_json_lines(stripped):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise LabelsError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return data if isinstance(data, list) else [data]
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise LabelsError(f"{name}:{number}: malformed JSON ({exc.msg})") from None
    return records


def _is_json_lines(text: str) -> bool:
    """Whether text starting with "{" is one object a line rather than one JSON document."""
    if not text.startswith("{"):
        return False
    first = text.split("\n", 1)[0]
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return False
    return "\n" in text.strip()


def read_text(path: Path) -> str:
    """An export file's text (UTF-8, with or without BOM), or a LabelsError saying why not."""
    if Path(path).exists() and not Path(path).is_file() and not Path(path).is_dir():
        raise LabelsError(f"{path}: not a file (a device or a pipe); give the tool's export file")
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path}: cannot be read as UTF-8 ({exc})") from None


def text_of(value: object) -> str | None:
    """A record's text, when it is a non-empty string."""
    return value if isinstance(value, str) and value.strip() else None
