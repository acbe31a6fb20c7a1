"""Behavioural test cases: minimal pairs grouped by capability, in labels/behaviour/*.jsonl.

A row is {"capability", "pair", "focus", "text", "frames"}: a sentence, the frames it carries, and
the one frame (focus) whose presence its pair's other sentence changes. They are never trained on
(frames.labels.store.label_files leaves the folder out); `frames evaluate --behaviour` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frames.errors import Problem
from frames.labels.store import BEHAVIOUR_DIR, json_type, parse_json_row

CASE_FIELDS = frozenset({"capability", "pair", "focus", "text", "frames", "note"})


@dataclass(frozen=True)
class BehaviourCase:
    """One test sentence: it passes when the model's verdict on ``focus`` is ``focus in frames``."""

    capability: str
    pair: str
    focus: str
    text: str
    frames: tuple[str, ...]
    file: str
    line: int

    @property
    def expected(self) -> bool:
        """Whether the sentence carries the focus frame."""
        return self.focus in self.frames


def behaviour_files(labels_dir: str | Path) -> list[Path]:
    """The behavioural test files of a labels folder (its behaviour/ folder)."""
    folder = Path(labels_dir) / BEHAVIOUR_DIR
    return sorted(p for p in folder.rglob("*.jsonl") if p.is_file()) if folder.is_dir() else []


def read_behaviour(labels_dir: str | Path, frames: tuple[str, ...]) -> tuple[list[BehaviourCase], list[Problem]]:
    """Every behavioural case under ``labels_dir``, and the problems found (FILE:LINE)."""
    cases: list[BehaviourCase] = []
    problems: list[Problem] = []
    for path in behaviour_files(labels_dir):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row, message = parse_json_row(line)
            message = message or _case_problem(row, frames)
            if message:
                problems.append(Problem(str(path), number, message))
                continue
            cases.append(BehaviourCase(row["capability"], row["pair"], row["focus"], row["text"],
                                       tuple(row["frames"]), str(path), number))
    return cases, problems


def _case_problem(row: object, frames: tuple[str, ...]) -> str:
    if not isinstance(row, dict):
        return 'expected a JSON object like {"capability", "pair", "focus", "text", "frames"}'
    unknown = sorted(set(row) - CASE_FIELDS)
    if unknown:
        return f"unknown field {unknown[0]!r}; behaviour rows may have {', '.join(sorted(CASE_FIELDS))}"
    for key in ("capability", "pair", "focus", "text"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            return f'"{key}" must be a non-empty string, not {json_type(row.get(key))}'
    if not isinstance(row.get("frames"), list) or not all(isinstance(f, str) for f in row["frames"]):
        return '"frames" must be a list of frame ids ([] for no frame)'
    unknown_frames = [f for f in [row["focus"], *row["frames"]] if f not in frames]
    if unknown_frames:
        return f"unknown frame {unknown_frames[0]!r}; the codebook has {', '.join(frames)}"
    return ""
