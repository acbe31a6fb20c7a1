"""Labels in and out of Label Studio, doccano and Prodigy (multi-label text classification)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from frames.codebook import Codebook
from frames.errors import LabelsError
from frames.labelling import LabelFile
from frames.labels import LabelledSentence, label_files, normalise, read_label_file
from frames.outputs import check_target

TOOLS = ("label-studio", "doccano", "prodigy")


@dataclass(frozen=True)
class Imported:
    """One annotation read from a tool's export: text, label names, and who gave them."""

    text: str
    labels: tuple[str, ...]
    source: str | None = None
    annotator: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows added, duplicates left out, and what could not be mapped."""

    added: int
    duplicates: int
    conflicts: int
    unmapped: dict[str, int]  # label name -> rows left out because of it
    unusable: int  # records with no text or no answer


def read_export(path: Path, tool: str) -> tuple[list[Imported], int]:
    """Annotations from a tool's export file; also the number of records with nothing usable."""
    if tool not in TOOLS:
        raise LabelsError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
    records = _records(Path(path))
    reader = {"label-studio": _label_studio, "doccano": _doccano, "prodigy": _prodigy}[tool]
    found: list[Imported] = []
    unusable = 0
    for record in records:
        rows = reader(record) if isinstance(record, dict) else []
        unusable += not rows
        found.extend(rows)
    if tool == "prodigy":
        found = _merge_binary(found)
    return found, unusable


def _records(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path}: cannot be read as UTF-8 ({exc})") from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise LabelsError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise LabelsError(f"{path}:{number}: malformed JSON ({exc.msg})") from None
    return records


def _text(data: dict) -> str | None:
    text = data.get("text")
    if isinstance(text, str) and text.strip():
        return text
    return next((v for v in data.values() if isinstance(v, str) and v.strip()), None)


def _label_studio(task: dict) -> list[Imported]:
    data = task.get("data") or {}
    text = _text(data) if isinstance(data, dict) else None
    if text is None:
        return []
    rows = []
    for annotation in task.get("annotations") or []:
        if annotation.get("was_cancelled"):
            continue
        choices = [c for r in annotation.get("result") or [] if r.get("type") == "choices"
                   for c in (r.get("value") or {}).get("choices") or []]
        who = annotation.get("completed_by")
        if isinstance(who, dict):
            who = who.get("email") or who.get("id")
        rows.append(Imported(text, tuple(choices), data.get("source"), None if who is None else str(who)))
    return rows


def _doccano(record: dict) -> list[Imported]:
    text = record.get("text") or record.get("data")
    labels = record.get("label", record.get("labels"))
    if not isinstance(text, str) or not text.strip() or not isinstance(labels, list):
        return []
    return [Imported(text, tuple(str(x) for x in labels), record.get("source"),
                     None if record.get("user") is None else str(record.get("user")))]


def _prodigy(record: dict) -> list[Imported]:
    text = record.get("text")
    answer = record.get("answer")
    if not isinstance(text, str) or not text.strip() or answer not in {"accept", "reject"}:
        return []
    meta = record.get("meta") or {}
    who = record.get("_annotator_id")
    source = meta.get("source") if isinstance(meta, dict) else None
    if "accept" in record and isinstance(record["accept"], list):  # choice interface: the chosen options
        labels = tuple(str(x) for x in record["accept"]) if answer == "accept" else ()
        return [Imported(text, labels, source, who)]
    if isinstance(record.get("label"), str):  # binary: one label accepted or rejected
        return [Imported(text, (record["label"],) if answer == "accept" else (), source, who)]
    return []


def _merge_binary(rows: list[Imported]) -> list[Imported]:
    """Prodigy's binary answers for the same text and annotator become one multi-label row."""
    merged: dict[tuple[str, str | None], Imported] = {}
    for row in rows:
        key = (row.text, row.annotator)
        if key in merged:
            before = merged[key]
            merged[key] = Imported(row.text, tuple(dict.fromkeys(before.labels + row.labels)), before.source, row.annotator)
        else:
            merged[key] = row
    return list(merged.values())


def label_map(codebook: Codebook, pairs: list[str]) -> dict[str, str]:
    """Tool label name -> frame id: the --map NAME=ID pairs, then ids and display names as they are."""
    mapping = {f.id: f.id for f in codebook.frames}
    mapping.update({f.name.casefold(): f.id for f in codebook.frames})
    for pair in pairs:
        name, sep, frame = pair.partition("=")
        if not sep or not name or frame not in codebook.ids:
            raise LabelsError(f"--map {pair!r}: expected NAME=ID with ID one of {', '.join(codebook.ids)}")
        mapping[name] = frame
    return mapping


def import_labels(rows: list[Imported], mapping: dict[str, str], target: Path, labels_dir: Path,
                  default_source: str, unusable: int = 0) -> ImportReport:
    """Append mapped rows to ``target``, leaving out those already in the labels folder."""
    known: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for file in sorted(set(label_files(labels_dir)) | {Path(target)}):
        if Path(file).is_file():
            for s in read_label_file(file)[0]:
                known.setdefault((normalise(s.text), s.annotator), tuple(sorted(s.frames)))
    unmapped: Counter[str] = Counter()
    added = duplicates = conflicts = 0
    out = LabelFile(target)
    for row in rows:
        missing = [name for name in row.labels if name not in mapping and name.casefold() not in mapping]
        if missing:
            unmapped.update(missing)
            continue
        frames = tuple(sorted({mapping.get(name) or mapping[name.casefold()] for name in row.labels}))
        key = (normalise(row.text), row.annotator)
        if key in known:
            duplicates += known[key] == frames
            conflicts += known[key] != frames
            continue
        record: dict = {"text": row.text, "frames": list(frames), "source": row.source or default_source}
        if row.annotator:
            record["annotator"] = row.annotator
        out.append(record)
        known[key] = frames
        added += 1
    return ImportReport(added, duplicates, conflicts, dict(unmapped), unusable)


def export_labels(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...], codebook: Codebook, tool: str) -> str:
    """The labelled sentences in a tool's import format, label names being frame ids."""
    if tool not in TOOLS:
        raise LabelsError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
    if tool == "label-studio":
        tasks = []
        for s in sentences:
            annotation: dict = {"result": [{"from_name": "frames", "to_name": "text", "type": "choices",
                                            "value": {"choices": list(s.frames)}}]}
            if s.annotator:
                annotation["completed_by"] = s.annotator
            tasks.append({"data": {"text": s.text, "source": s.source}, "annotations": [annotation]})
        return json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"
    lines = []
    options = [{"id": f.id, "text": f.name} for f in codebook.frames]
    for s in sentences:
        if tool == "doccano":
            row: dict = {"text": s.text, "label": list(s.frames), "source": s.source}
            if s.annotator:
                row["user"] = s.annotator
        else:
            row = {"text": s.text, "options": options, "accept": list(s.frames), "answer": "accept",
                   "meta": {"source": s.source}}
            if s.annotator:
                row["_annotator_id"] = s.annotator
        lines.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def is_export(path: Path, tool: str) -> bool:
    """Whether ``path`` is a file `labels export --to TOOL` writes: Label Studio's list of tasks,
    or JSONL rows with doccano's "label" or Prodigy's "answer" (an empty file counts too)."""
    if not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if not text.strip():
        return True
    try:
        if tool == "label-studio":
            tasks = json.loads(text)
            return isinstance(tasks, list) and all(isinstance(t, dict) and "data" in t for t in tasks)
        row = json.loads(text.splitlines()[0])
    except json.JSONDecodeError:
        return False
    key = "label" if tool == "doccano" else "answer"
    return isinstance(row, dict) and "text" in row and key in row


def check_export_target(out: Path, tool: str, force: bool) -> None:
    """Refuse an --out that is not writable, or holds anything but an earlier export for ``tool``."""
    if tool not in TOOLS:
        raise LabelsError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
    check_target(out, force, f"a {tool} export", lambda path: is_export(path, tool))
