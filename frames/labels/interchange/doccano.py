"""doccano's text-classification exports read as answers, and labels written as doccano JSONL.

doccano (1.2 and later) exports a text-classification project as JSONL or JSON records
{"id", "text", "label": [names], ...} or as CSV with columns id,text,label (names joined by "#").
Without collaborative annotation the download is a zip of one file per member, named after them
(admin.jsonl); with it, one all.jsonl. Sequence-labelling exports ("label": [[start, end, name]])
and doccano 1.0's {"annotations": [{"label": 8, "user": 1}]} are not text classification by name.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from frames.labels.answers import Imported, Reading, json_records, read_text, text_of
from frames.errors import LabelsError
from frames.labels.interchange.carried import carried_meta, read_carried
from frames.labels.store import LabelledSentence

SPANS = ("span labels ([start, end, label]) come from a sequence-labelling project and are not supported: "
         "frames imports text classification, one list of label names per text")
LABEL_IDS = ("integer label ids (doccano 1.0's export) are not supported: they do not say which label they are; "
             "export again from doccano 1.2 or later, which writes label names")
COLLABORATIVE = "all"  # the one file of a project with collaborative annotation: no annotator in its name


def read_doccano(path: Path, empty_means_none: bool = False) -> Reading:
    """The answers of a doccano export: JSONL, JSON, CSV, or the zip download holding them.

    An example with an empty label list may simply be unlabelled: it is skipped and counted as
    unknown unless ``empty_means_none`` says it means "no label".
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        return _read_zip(path, empty_means_none)
    text = read_text(path)
    if path.suffix.lower() == ".csv":
        return _read_csv(text, str(path), None, empty_means_none)
    return _read_json(text, str(path), None, empty_means_none)


def _read_zip(path: Path, empty_means_none: bool) -> Reading:
    """Each member file of a doccano zip download; a per-user file names the annotator."""
    rows: list[Imported] = []
    read = unknown = unusable = 0
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(n for n in archive.namelist() if Path(n).suffix.lower() in (".jsonl", ".json", ".csv"))
            if not members:
                raise LabelsError(f"{path}: the zip holds no .jsonl, .json or .csv export")
            for member in members:
                name = f"{path}:{member}"
                try:
                    text = archive.read(member).decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise LabelsError(f"{name}: cannot be read as UTF-8 ({exc})") from None
                stem = Path(member).stem
                annotator = None if stem == COLLABORATIVE else stem
                reader = _read_csv if member.lower().endswith(".csv") else _read_json
                part = reader(text, name, annotator, empty_means_none)
                rows.extend(part.rows)
                read, unknown, unusable = read + part.read, unknown + part.unknown, unusable + part.unusable
    except (OSError, zipfile.BadZipFile) as exc:
        raise LabelsError(f"{path}: cannot be read as a zip ({exc})") from None
    return Reading(tuple(rows), read, unknown, unusable)


def _read_json(text: str, name: str, annotator: str | None, empty_means_none: bool) -> Reading:
    """doccano's JSONL or JSON records; ``annotator`` (a per-user file's name) for records naming none."""
    rows: list[Imported] = []
    unknown = unusable = 0
    records = json_records(text, name)
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict) or text_of(record.get("text", record.get("data"))) is None:
            unusable += 1
            continue
        labels = _labels(record, f"{name}:{number}")
        if labels is None or (not labels and not empty_means_none):
            unknown += 1
            continue
        who = record.get("user", record.get("username", annotator))
        source = record.get("source") if text_of(record.get("source")) else None
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else record  # extra keys, or doccano's meta
        rows.append(Imported(text_of(record.get("text", record.get("data"))), labels, source,
                             None if who is None else str(who), carried=read_carried(meta)))
    return Reading(tuple(rows), len(records), unknown, unusable)


def _labels(record: dict, where: str) -> tuple[str, ...] | None:
    """A record's label names (None: it has no labels), refusing spans and integer ids with a clear line."""
    if "entities" in record or "relations" in record:
        raise LabelsError(f"{where}: {SPANS}")
    if "annotations" in record and "label" not in record and "labels" not in record:
        old = [a for a in record["annotations"] or [] if isinstance(a, dict)]
        if any("start_offset" in a for a in old):
            raise LabelsError(f"{where}: {SPANS}")
        if any(isinstance(a.get("label"), int) for a in old):
            raise LabelsError(f"{where}: {LABEL_IDS}")
    labels = record.get("label", record.get("labels"))
    if labels is None:
        return None
    if not isinstance(labels, list):
        labels = [labels]
    if any(isinstance(x, (list, dict)) for x in labels):
        raise LabelsError(f"{where}: {SPANS}")
    if any(isinstance(x, (int, float)) and not isinstance(x, bool) for x in labels):
        raise LabelsError(f"{where}: {LABEL_IDS}")
    return tuple(str(x) for x in labels)


def _read_csv(text: str, name: str, annotator: str | None, empty_means_none: bool) -> Reading:
    """doccano's CSV: a header with text and label, label names joined by "#"."""
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    if not reader.fieldnames or "text" not in reader.fieldnames or "label" not in reader.fieldnames:
        raise LabelsError(f"{name}: expected doccano's CSV export, with columns text and label "
                          f"(found {', '.join(reader.fieldnames or []) or 'no header'})")
    rows: list[Imported] = []
    read = unknown = unusable = 0
    for record in reader:
        read += 1
        sentence = text_of(record.get("text"))
        if sentence is None:
            unusable += 1
            continue
        labels = tuple(x for x in (record.get("label") or "").split("#") if x)
        if not labels and not empty_means_none:
            unknown += 1
            continue
        rows.append(Imported(sentence, labels, None, annotator))
    return Reading(tuple(rows), read, unknown, unusable)


def doccano_lines(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...]) -> tuple[str, int]:
    """Complete rows as doccano JSONL, and the number of partial rows left out (doccano has no
    "unknown": an empty or partial label list would read as "no other label"). The source, the
    annotator ("user") and the carried fields are extra keys, which doccano keeps as the example's meta."""
    lines = []
    left_out = 0
    for s in sentences:
        if s.known is not None:
            left_out += 1
            continue
        row: dict = {"text": s.text, "label": list(s.frames), "source": s.source}
        if s.annotator:
            row["user"] = s.annotator
        row.update(carried_meta(s))
        lines.append(json.dumps(row, ensure_ascii=False))
    return "".join(line + "\n" for line in lines), left_out
