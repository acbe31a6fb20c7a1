"""Label Studio's JSON export read as answers, and labels written as Label Studio tasks with their config.

The export is a list of tasks: {"data": {...}, "annotations": [{"result": [...], "completed_by": ...,
"was_cancelled": ...}]} ("completions" with "skipped" before Label Studio 1.0). A Choices control's
answer is a result {"type": "choices", "from_name": NAME, "value": {"choices": [...]}}.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from frames.labels.answers import Imported, Reading, json_records, read_text, text_of
from frames.labels.codebook import Codebook
from frames.errors import LabelsError
from frames.labels.interchange.carried import carried_meta, read_carried
from frames.labels.store import LabelledSentence

CONTROL = "frames"  # the Choices control of the config frames writes
OBJECT = "text"  # its Text object, reading the task's data["text"]
MIN_KEYS = {"annotator", "annotation_id", "lead_time"}  # what JSON-MIN puts in every record


def read_label_studio(path: Path, text_key: str = "text", from_name: str | None = None) -> Reading:
    """The answers of a Label Studio JSON export: the text from data[text_key], the choices of the
    Choices control ``from_name`` (needed when the project has several)."""
    path = Path(path)
    tasks = json_records(read_text(path), str(path))
    _refuse_other_formats(tasks, path)
    control = _control(tasks, from_name, path)
    rows: list[Imported] = []
    unknown = unusable = missing_key = 0
    for task in tasks:
        data = task.get("data") if isinstance(task, dict) else None
        text = text_of(data.get(text_key)) if isinstance(data, dict) else None
        if text is None:
            unusable += 1
            missing_key += isinstance(data, dict) and text_key not in data
            continue
        annotations = task.get("annotations") if "annotations" in task else task.get("completions")
        annotations = [a for a in annotations or [] if isinstance(a, dict)]
        if not annotations:
            unknown += 1  # a task nobody answered says nothing
            continue
        for annotation in annotations:
            if annotation.get("was_cancelled") or annotation.get("skipped"):
                unknown += 1
                continue
            rows.append(Imported(text, _choices(annotation, control), _source(data), _annotator(annotation, task),
                                 carried=read_carried(task.get("meta"))))
    if tasks and missing_key == len(tasks):
        keys = sorted({k for t in tasks if isinstance(t, dict) and isinstance(t.get("data"), dict) for k in t["data"]})
        raise LabelsError(f"{path}: no task has the data key {text_key!r} (the tasks' data keys are "
                          f"{', '.join(keys) or 'none'}); name the key holding the sentence with --text-key")
    return Reading(tuple(rows), len(tasks), unknown, unusable)


def _refuse_other_formats(tasks: list, path: Path) -> None:
    """Refuse JSON-MIN (one flat record per answer) and anything that is not a list of tasks."""
    records = [t for t in tasks if isinstance(t, dict)]
    if records and not any("data" in t for t in records):
        if any(MIN_KEYS & set(t) for t in records):
            raise LabelsError(f"{path}: this is Label Studio's JSON-MIN export, which keeps one flattened answer "
                              "per record and loses which control gave which choice; export the project as JSON "
                              "(Export > JSON) and import that")
        raise LabelsError(f'{path}: not a Label Studio JSON export (a list of tasks with "data" and "annotations")')


def _control(tasks: list, from_name: str | None, path: Path) -> str | None:
    """The Choices control to read: ``from_name``, or the only one the export has."""
    names = sorted({r.get("from_name") for t in tasks if isinstance(t, dict)
                    for a in (t.get("annotations") or t.get("completions") or []) if isinstance(a, dict)
                    for r in (a.get("result") or []) if isinstance(r, dict) and r.get("type") == "choices"} - {None})
    if from_name is not None:
        if names and from_name not in names:
            raise LabelsError(f"{path}: no Choices control named {from_name!r}; the export has {', '.join(names)}")
        return from_name
    if len(names) > 1:
        raise LabelsError(f"{path}: the export has several Choices controls ({', '.join(names)}); "
                          "say which holds the frames with --from-name")
    return None


def _choices(annotation: dict, control: str | None) -> tuple[str, ...]:
    """The choices an annotation made in the control (none selected: no result for it)."""
    return tuple(str(c) for r in annotation.get("result") or [] if isinstance(r, dict) and r.get("type") == "choices"
                 and (control is None or r.get("from_name") == control)
                 for c in (r.get("value") or {}).get("choices") or [])


def _source(data: dict) -> str | None:
    source = data.get("source")
    return source if isinstance(source, str) and source.strip() else None


def _annotator(annotation: dict, task: dict) -> str | None:
    """Who answered: the completed_by email, else the name frames keeps in the task's meta, else the user id."""
    who = annotation.get("completed_by")
    if isinstance(who, dict) and isinstance(who.get("email"), str) and who["email"]:
        return who["email"]
    meta = task.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("annotator"), str) and meta["annotator"].strip():
        return meta["annotator"]
    if isinstance(who, dict):
        who = who.get("id")
    return None if who is None or isinstance(who, (dict, list)) else str(who)


def label_studio_tasks(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...]) -> tuple[str, int]:
    """Complete rows as Label Studio tasks (JSON), and the number of partial rows left out.

    Label Studio has no "unknown": a partial row written as a task would say its unjudged frames are
    absent, so partial rows are left out. An annotator named by an email address is written as
    completed_by {"email": ...}, the one form (with a member's numeric id) Label Studio accepts on
    import; any other name goes in the task's meta, and Label Studio gives the annotation to the user
    who imports it. The carried fields (settled, note, sample, a reference) go in the task's meta too.
    """
    tasks = []
    left_out = 0
    for index, s in enumerate(sentences):
        if s.known is not None:
            left_out += 1
            continue
        result = [{"id": _result_id(index, s), "from_name": CONTROL, "to_name": OBJECT, "type": "choices",
                   "value": {"choices": list(s.frames)}}] if s.frames else []
        annotation: dict = {"result": result}
        task: dict = {"data": {"text": s.text, "source": s.source}, "annotations": [annotation]}
        meta = carried_meta(s)
        if s.annotator and "@" in s.annotator:
            annotation["completed_by"] = {"email": s.annotator}
        elif s.annotator:
            meta = {"annotator": s.annotator, **meta}
        if meta:
            task["meta"] = meta
        tasks.append(task)
    return json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", left_out


def _result_id(index: int, sentence: LabelledSentence) -> str:
    """A result id as Label Studio makes them (10 characters), stable for the same rows."""
    return hashlib.sha256(f"{index}\0{sentence.text}\0{sentence.annotator}".encode("utf-8")).hexdigest()[:10]


def label_studio_config(codebook: Codebook) -> str:
    """The labelling config matching the tasks: a Text object and a multiple-choice control of the frames."""
    choices = "\n".join(f"    <Choice value={quoteattr(f.id)} hint={quoteattr(f'{f.name}: {f.definition}')}/>"
                        for f in codebook.frames)
    return (f'<View>\n  <Text name="{OBJECT}" value="${OBJECT}"/>\n'
            f'  <Choices name="{CONTROL}" toName="{OBJECT}" choice="multiple" showInLine="false">\n'
            f"{choices}\n  </Choices>\n</View>\n")


def config_path(out: Path) -> Path:
    """Where the labelling config goes beside an export: OUT with .config.xml for its extension."""
    return Path(out).with_suffix(".config.xml")


def is_config(path: Path) -> bool:
    """Whether ``path`` is a Label Studio labelling config (an XML file whose root is <View>)."""
    from xml.etree import ElementTree

    if not path.is_file():
        return False
    try:
        return ElementTree.parse(path).getroot().tag == "View"
    except (OSError, ElementTree.ParseError):
        return False
