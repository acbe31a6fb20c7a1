"""The fields of a frames label row that a labelling tool carries in its metadata, out and back.

Besides the text, the frames and the annotator, a row may say it is settled (a final label that
overrides the annotators'), carry a note, say how it was sampled, and point into a corpus (a
reference row). Each tool keeps them where it keeps metadata: doccano as extra keys on the example
(which doccano stores as the example's meta and writes back on export), Label Studio in the task's
"meta", Prodigy in the task's "meta". Reading them back, a field that is not well-formed is left out.
"""

from __future__ import annotations

from frames.labels.store import REFERENCE_FIELDS, SAMPLES, LabelledSentence

CARRIED = ("settled", "note", "sample", *REFERENCE_FIELDS)


def carried_meta(sentence: LabelledSentence) -> dict:
    """A row's carried fields, for a tool's metadata: only those the row has."""
    meta: dict = {}
    if sentence.settled:
        meta["settled"] = True
    if sentence.note is not None:
        meta["note"] = sentence.note
    if sentence.sample is not None:
        meta["sample"] = sentence.sample
    if sentence.corpus is not None and sentence.span is not None:
        start, end, sha = sentence.span
        meta.update({"corpus": sentence.corpus, "doc": sentence.doc, "start": start, "end": end, "sha": sha})
    return meta


def read_carried(meta: object) -> tuple[tuple[str, object], ...]:
    """The well-formed carried fields in a tool's metadata, as (name, value) pairs in CARRIED order."""
    if not isinstance(meta, dict):
        return ()
    found: dict = {}
    if meta.get("settled") is True:
        found["settled"] = True
    if isinstance(meta.get("note"), str):
        found["note"] = meta["note"]
    if meta.get("sample") in SAMPLES:
        found["sample"] = meta["sample"]
    names = all(isinstance(meta.get(k), str) and meta[k].strip() for k in ("corpus", "doc", "sha"))
    offsets = all(isinstance(meta.get(k), int) and not isinstance(meta.get(k), bool) for k in ("start", "end"))
    if names and offsets:
        found.update({k: meta[k] for k in REFERENCE_FIELDS})
    return tuple(found.items())
