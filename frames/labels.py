"""The labels store: JSONL files of hand-labelled sentences, read and checked line by line."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from frames.codebook import Codebook, load_codebook
from frames.errors import LabelsError


@dataclass(frozen=True)
class LabelledSentence:
    """One labelled sentence and where it was read from (file and 1-based line)."""

    text: str
    frames: tuple[str, ...]
    source: str
    file: str = ""
    line: int = 0
    annotator: str | None = None  # who labelled it, when several people label the same sentences
    settled: bool = False  # a final label that overrides the annotators' (see frames.agreement)


@dataclass(frozen=True)
class Problem:
    """Something wrong at one line of a labels file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LabelSet:
    """A labels folder read whole: its codebook and every labelled sentence, in file order."""

    codebook: Codebook
    sentences: tuple[LabelledSentence, ...]


def normalise(text: str) -> str:
    """The form two sentences share when they are 'the same sentence'."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def label_files(labels_dir: str | Path) -> list[Path]:
    """Every *.jsonl file under a labels folder, in a stable order."""
    root = Path(labels_dir)
    return sorted(p for p in root.rglob("*.jsonl") if p.is_file())


def read_label_file(path: str | Path, frames: tuple[str, ...] | None = None) -> tuple[list[LabelledSentence], list[Problem]]:
    """Parse one JSONL labels file into sentences and the problems found on the way.

    With ``frames`` given, a frame outside it is a problem and the line is kept without it.
    """
    path = Path(path)
    name = str(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        return [], [Problem(name, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8")]
    except OSError as exc:
        return [], [Problem(name, 0, f"cannot be read ({exc.strerror or exc})")]
    sentences: list[LabelledSentence] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row, message = _parse_row(line)
        if message:
            problems.append(Problem(name, number, message))
            continue
        labels = tuple(row["frames"])
        if frames is not None:
            unknown = [f for f in labels if f not in frames]
            for frame in unknown:
                problems.append(Problem(name, number, f"unknown frame {frame!r}; the codebook has {', '.join(frames)}"))
            labels = tuple(f for f in labels if f in frames)
        sentences.append(LabelledSentence(row["text"], labels, row["source"], name, number,
                                          row.get("annotator"), row.get("settled") is True))
    return sentences, problems


def _parse_row(line: str) -> tuple[dict, str]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, f"malformed JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(row, dict):
        return {}, "expected a JSON object like {\"text\": ..., \"frames\": [...], \"source\": ...}"
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return {}, "missing or empty \"text\""
    frames = row.get("frames")
    if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
        return {}, "\"frames\" must be a list of frame ids ([] for no frame)"
    if len(set(frames)) != len(frames):
        return {}, "a frame is listed twice in \"frames\""
    source = row.get("source")
    if not isinstance(source, str) or not source.strip():
        return {}, "missing or empty \"source\" (the article or batch the sentence comes from)"
    if "annotator" in row and not (isinstance(row["annotator"], str) and row["annotator"].strip()):
        return {}, "\"annotator\" must be a non-empty string when given"
    if "settled" in row and not isinstance(row["settled"], bool):
        return {}, "\"settled\" must be true or false when given"
    return row, ""


def check_labels(labels_dir: str | Path) -> list[Problem]:
    """Every problem in a labels folder: bad lines, unknown frames, and conflicting duplicates."""
    codebook = load_codebook(labels_dir)
    files = label_files(labels_dir)
    if not files:
        return [Problem(str(labels_dir), 0, "no *.jsonl label files here")]
    problems: list[Problem] = []
    sentences: list[LabelledSentence] = []
    for path in files:
        found, bad = read_label_file(path, codebook.ids)
        sentences.extend(found)
        problems.extend(bad)
    problems.extend(_conflicts(sentences))
    return problems


def _conflicts(sentences: list[LabelledSentence]) -> list[Problem]:
    """The same sentence labelled two ways by the same annotator (or with no annotator named).

    Two annotators who disagree are not a problem here: `frames labels agreement` lists them.
    """
    first: dict[tuple[str, str | None, bool], LabelledSentence] = {}
    problems: list[Problem] = []
    for sentence in sentences:
        key = (normalise(sentence.text), sentence.annotator, sentence.settled)
        seen = first.setdefault(key, sentence)
        if seen is not sentence and set(seen.frames) != set(sentence.frames):
            problems.append(Problem(
                sentence.file, sentence.line,
                f"same sentence as {seen.file}:{seen.line} with other frames "
                f"({', '.join(sentence.frames) or 'none'} vs {', '.join(seen.frames) or 'none'}); settle on one",
            ))
    return problems


def load_labels(labels_dir: str | Path) -> LabelSet:
    """Read a labels folder for training; any problem stops it (run `frames labels check`)."""
    problems = check_labels(labels_dir)
    if problems:
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise LabelsError(f"{shown}{more}; run `frames labels check` and fix the labels first")
    codebook = load_codebook(labels_dir)
    sentences: list[LabelledSentence] = []
    for path in label_files(labels_dir):
        sentences.extend(read_label_file(path, codebook.ids)[0])
    return LabelSet(codebook, tuple(sentences))
