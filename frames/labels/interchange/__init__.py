"""Labels in and out of Label Studio, doccano and Prodigy (multi-label text classification)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from frames.labels.answers import Reading
from frames.labels.codebook import Codebook
from frames.labels.interchange.doccano import doccano_lines, read_doccano
from frames.errors import LabelsError
from frames.labels.interchange.label_studio import config_path, is_config, label_studio_config, label_studio_tasks, read_label_studio
from frames.labels.labelfile import LabelFile
from frames.labels.references import CorpusTexts
from frames.labels.store import REFERENCE_FIELDS, LabelledSentence, contradicts, label_files, normalise, read_label_file
from frames.files.outputs import check_target
from frames.labels.interchange.prodigy import prodigy_lines, read_prodigy

TOOLS = ("label-studio", "doccano", "prodigy")
NO_FRAME = ("doccano cannot tell \"no frame\" from \"not labelled yet\" (both are an empty label list): "
            "import this export back with --empty-means-none")


@dataclass(frozen=True)
class ReadOptions:
    """How to read an export: Label Studio's data key and Choices control, doccano's empty label lists."""

    text_key: str = "text"  # Label Studio: the task data key holding the sentence
    from_name: str | None = None  # Label Studio: the Choices control holding the frames (needed if several)
    empty_means_none: bool = False  # doccano: an empty label list means "no frame", not "not labelled"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: records read, rows added, and every answer left out, by reason.

    unknown: answers that say nothing about the frames (skipped, cancelled, ignored, unanswered,
    empty where empty may mean unlabelled); unmapped_rows: answers left out because a label name
    does not map, counted by name in ``unmapped``; unusable: records without text; as_text: answers
    carrying a corpus reference that the target's corpus registry cannot resolve to the same sentence.
    """

    added: int
    duplicates: int
    conflicts: int
    unmapped: dict[str, int]  # label name -> rows left out because of it
    unusable: int  # records with no text
    read: int = 0
    unknown: int = 0
    unmapped_rows: int = 0
    as_text: int = 0  # rows that pointed into a corpus this labels folder cannot read: written with their text
    as_text_reason: str = ""  # why, for the first of them


def read_export(path: Path, tool: str, options: ReadOptions = ReadOptions()) -> Reading:
    """The answers of a tool's export file, with counts of the records that gave none."""
    if tool not in TOOLS:
        raise LabelsError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
    if tool == "label-studio":
        return read_label_studio(Path(path), options.text_key, options.from_name)
    if tool == "doccano":
        return read_doccano(Path(path), options.empty_means_none)
    return read_prodigy(Path(path))


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


def import_labels(reading: Reading, mapping: dict[str, str], target: Path, labels_dir: Path,
                  default_source: str) -> ImportReport:
    """Append mapped answers to ``target``, leaving out those already in the labels folder.

    A partial answer (see Imported) becomes a row with "absent"; one that judges every frame is
    written as a complete row. An answer is left out as already there when the same annotator's rows
    on the sentence already say all it says, and as a conflict when they say otherwise (settled rows
    are compared with settled rows only). The fields the tool carried (settled, note, sample) are
    written back; a carried corpus reference is written as a reference row when the target's corpus
    registry resolves it to the same sentence, else the row keeps its text.
    """
    out = LabelFile(target)  # refuses a target that is not a labels file, before anything is read
    frame_ids = set(mapping.values())
    seen: dict[tuple[str, str | None, bool], list[LabelledSentence]] = {}
    for file in sorted(set(label_files(labels_dir)) | {Path(target)}):
        if Path(file).is_file():
            for s in read_label_file(file)[0]:
                seen.setdefault((normalise(s.text), s.annotator, s.settled), []).append(s)
    texts = CorpusTexts.near(Path(target).absolute().parent)
    unmapped: Counter[str] = Counter()
    added = duplicates = conflicts = unmapped_rows = as_text = 0
    as_text_reason = ""
    for row in reading.rows:
        names = row.labels + (row.absent or ())
        missing = [name for name in dict.fromkeys(names) if name not in mapping and name.casefold() not in mapping]
        if missing:
            unmapped.update(missing)
            unmapped_rows += 1
            continue
        frames = sorted({mapping.get(name) or mapping[name.casefold()] for name in row.labels})
        absent = None
        if row.absent is not None:
            absent = sorted({mapping.get(name) or mapping[name.casefold()] for name in row.absent} - set(frames))
            if frame_ids <= set(frames) | set(absent):
                absent = None  # every frame judged: a complete row
        carried = dict(row.carried)
        settled = carried.get("settled") is True
        new = LabelledSentence(row.text, tuple(frames), row.source or default_source, annotator=row.annotator,
                               settled=settled, known=None if absent is None else tuple(frames + absent))
        key = (normalise(row.text), row.annotator, settled)
        before = seen.get(key, [])
        if any(contradicts(old, new) for old in before):
            conflicts += 1
            continue
        if before and all(any(old.judges(f) for old in before) for f in (new.known or frame_ids)):
            duplicates += 1
            continue
        reference = {k: carried[k] for k in REFERENCE_FIELDS if k in carried}
        if reference:
            problem = _reference_problem(texts, reference, row.text)
            if problem:
                as_text += 1
                as_text_reason = as_text_reason or problem
                reference = {}
        record: dict = dict(reference) if reference else {"text": row.text}
        record["frames"] = frames
        if absent is not None:
            record["absent"] = absent
        if not reference or new.source != reference["doc"]:  # a reference row's source defaults to its doc
            record["source"] = new.source
        if row.annotator:
            record["annotator"] = row.annotator
        record.update({k: carried[k] for k in ("settled", "note", "sample") if k in carried})
        out.append(record)
        seen.setdefault(key, []).append(new)
        added += 1
    return ImportReport(added, duplicates, conflicts, dict(unmapped), reading.unusable, reading.read,
                        reading.unknown, unmapped_rows, as_text, as_text_reason)


def _reference_problem(texts: CorpusTexts, reference: dict, text: str) -> str:
    """Why a carried reference cannot be written as one (empty when it can): its corpus is not
    registered beside the target, or it points at another sentence than the one exported."""
    try:
        span = texts.span(*(reference[k] for k in REFERENCE_FIELDS))
    except LabelsError as exc:
        return str(exc)
    if normalise(span) != normalise(text):
        return f"{reference['corpus']}:{reference['doc']} {reference['start']}-{reference['end']} is another sentence"
    return ""


@dataclass(frozen=True)
class Export:
    """What `labels export` writes: the export's text, the Label Studio config (else None), the
    rows written and the partial rows left out (a tool without "unknown" would read them as complete),
    and one line for each thing the tool cannot hold and how to get it back on import."""

    text: str
    config: str | None
    written: int
    left_out: int = 0
    caveats: tuple[str, ...] = ()


def export_labels(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...], codebook: Codebook,
                  tool: str) -> Export:
    """The labelled sentences in a tool's import format, label names being frame ids."""
    if tool not in TOOLS:
        raise LabelsError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
    if tool == "label-studio":
        text, left_out = label_studio_tasks(sentences)
        return Export(text, label_studio_config(codebook), len(sentences) - left_out, left_out)
    if tool == "doccano":
        text, left_out = doccano_lines(sentences)
        empty = any(s.known is None and not s.frames for s in sentences)
        return Export(text, None, len(sentences) - left_out, left_out, (NO_FRAME,) if empty else ())
    return Export(prodigy_lines(sentences, codebook), None, len(sentences))


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
    """Refuse an --out that is not writable, or holds anything but an earlier export for ``tool``;
    for Label Studio, the same for the labelling config written beside it (see export_paths)."""
    if tool not in TOOLS:
        raise LabelsError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
    check_target(out, force, f"a {tool} export", lambda path: is_export(path, tool))
    if tool == "label-studio":
        if config_path(out) == Path(out):
            raise LabelsError(f"{out}: the labelling config goes to OUT with .config.xml as its extension; "
                              "give --out another extension, such as .json")
        check_target(config_path(out), force, "a Label Studio labelling config", is_config)


def export_paths(out: Path, tool: str) -> tuple[Path, Path | None]:
    """Where `labels export` writes: the export, and for Label Studio its labelling config beside it."""
    return Path(out), config_path(out) if tool == "label-studio" else None
