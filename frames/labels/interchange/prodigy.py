"""Prodigy's text-classification answers (db-out JSONL) read as answers, and labels written as Prodigy tasks.

A choice task ({"options", "accept": [ids], "answer"}) answered "accept" is a complete answer: the
selected options, and no other. A binary task ({"label", "answer"}, as textcat.teach asks) judges
one label and says nothing of the others, as Prodigy itself trains on it; answers on the same text
by the same annotator are merged, the later answer on a label winning. A choice task answered
"reject" rejects the task: Prodigy trains on it as "the selected options are absent, the others
unknown", so it is read so, and with nothing selected it says nothing. "ignore" says nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from frames.labels.answers import Imported, Reading, json_records, read_text, text_of
from frames.labels.codebook import Codebook
from frames.errors import LabelsError
from frames.labels.interchange.carried import carried_meta, read_carried
from frames.labels.store import LabelledSentence

SPANS = ("Prodigy span annotations (ner, spans) are not supported: frames imports text classification, "
         "choice or binary answers")


def read_prodigy(path: Path) -> Reading:
    """The answers of a Prodigy export (`prodigy db-out DATASET > FILE.jsonl`)."""
    path = Path(path)
    records = json_records(read_text(path), str(path))
    rows: list[Imported] = []
    unknown = unusable = 0
    for number, record in enumerate(records, 1):
        text = text_of(record.get("text")) if isinstance(record, dict) else None
        if text is None:
            unusable += 1
            continue
        answer = _answer(record, text, f"{path}:{number}")
        if answer is None:
            unknown += 1
        else:
            rows.append(answer)
    return Reading(tuple(_merge(rows)), len(records), unknown, unusable)


def _answer(record: dict, text: str, where: str) -> Imported | None:
    """One record's answer, or None when it says nothing about any label."""
    answer = record.get("answer")
    meta = record.get("meta")
    source = meta.get("source") if isinstance(meta, dict) and text_of(meta.get("source")) else None
    who = record.get("_annotator_id")
    who = str(who) if who is not None else None
    kept = read_carried(meta)
    if isinstance(record.get("accept"), list) or "options" in record:  # the choice interface
        selected = tuple(str(x) for x in record.get("accept") or [])
        if answer == "accept":
            return Imported(text, selected, source, who, carried=kept)
        if answer == "reject" and selected:
            return Imported(text, (), source, who, absent=selected, carried=kept)
        return None
    if isinstance(record.get("label"), str):  # binary: one label accepted or rejected
        label = record["label"]
        if answer == "accept":
            return Imported(text, (label,), source, who, absent=(), carried=kept)
        if answer == "reject":
            return Imported(text, (), source, who, absent=(label,), carried=kept)
        return None
    if record.get("spans"):
        raise LabelsError(f"{where}: {SPANS}")
    return None


def _merge(rows: list[Imported]) -> list[Imported]:
    """Partial answers on the same text by the same annotator (settled or not) become one; complete answers
    stay as they are."""
    judged: dict[tuple[str, str | None, bool], dict[str, bool]] = {}
    first: dict[tuple[str, str | None, bool], Imported] = {}
    out: list[Imported | tuple[str, str | None, bool]] = []
    for row in rows:
        if row.absent is None:
            out.append(row)
            continue
        key = (row.text, row.annotator, dict(row.carried).get("settled") is True)
        if key not in judged:
            judged[key], first[key] = {}, row
            out.append(key)
        judged[key].update({label: True for label in row.labels})
        judged[key].update({label: False for label in row.absent})
    merged = []
    for item in out:
        if isinstance(item, Imported):
            merged.append(item)
            continue
        says, row = judged[item], first[item]
        merged.append(Imported(row.text, tuple(l for l, v in says.items() if v), row.source, row.annotator,
                               tuple(l for l, v in says.items() if not v), row.carried))
    return merged


def prodigy_lines(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...], codebook: Codebook) -> str:
    """Complete rows as choice tasks answered "accept"; a partial row as one binary task per frame it judges.
    The source and the carried fields (settled, note, sample, a reference) go in the task's meta."""
    options = [{"id": f.id, "text": f.name} for f in codebook.frames]
    lines = []
    for s in sentences:
        extra = {"_annotator_id": s.annotator} if s.annotator else {}
        meta = {"source": s.source, **carried_meta(s)}
        if s.known is None:
            lines.append({"text": s.text, "options": options, "accept": list(s.frames), "answer": "accept",
                          "meta": meta, **extra})
            continue
        for frame in s.known:
            lines.append({"text": s.text, "label": frame, "answer": "accept" if frame in s.frames else "reject",
                          "meta": meta, **extra})
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
