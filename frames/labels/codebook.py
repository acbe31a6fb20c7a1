"""The codebook: which frames exist, what they mean, and what they exclude."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from frames.errors import LabelsError

CODEBOOK_FILE = "codebook.json"
CODEBOOK_FORMAT = "frames-codebook/1"
_FRAME_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


@dataclass(frozen=True)
class Frame:
    """One frame: a stable snake_case id, a display name, a definition and its exclusions."""

    id: str
    name: str
    definition: str
    excludes: str = ""


@dataclass(frozen=True)
class Codebook:
    """The frames a labels folder uses, in the codebook's order."""

    frames: tuple[Frame, ...]
    scope: str = ""  # where the frames apply (regions, actors), read before any definition

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(frame.id for frame in self.frames)


def codebook_path(labels_dir: str | Path) -> Path:
    """Where a labels folder keeps its codebook."""
    return Path(labels_dir) / CODEBOOK_FILE


def find_codebook(labels_file: str | Path, given: str | Path | None = None, model_folder: str | Path | None = None,
                  frames: tuple[tuple[str, str], ...] = ()) -> Codebook:
    """The codebook to label with: ``given``; else the labels folder's (beside ``labels_file``, up to
    two folders above it, or ./labels); else the one a model folder carries (training copies it there,
    so labelling works outside the project folder); else one made from ``frames`` ((id, name) pairs).
    """
    if given is not None:
        return load_codebook(given)
    parent = Path(labels_file).parent
    for folder in (parent, *list(parent.parents)[:2], Path("labels")):
        if codebook_path(folder).is_file():
            return load_codebook(codebook_path(folder))
    if model_folder is not None and codebook_path(model_folder).is_file():
        return load_codebook(codebook_path(model_folder))
    if not frames:
        raise LabelsError(f"no {CODEBOOK_FILE} found beside {labels_file}, in ./labels or in the model; give --codebook")
    return Codebook(tuple(Frame(fid, name, name) for fid, name in frames))


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file (or the codebook.json of a labels folder)."""
    path = Path(path)
    if path.is_dir():
        path = codebook_path(path)
    if path.exists() and not path.is_file():  # a device or a pipe (/dev/zero would never end)
        raise LabelsError(f"{path}: not a file; give a labels folder or its {CODEBOOK_FILE}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        # A missing folder is named as such, not as a folder without a codebook.
        folder = path if path.suffix != ".json" else path.parent
        if not folder.is_dir():
            raise LabelsError(f"{folder}: no such folder; give the labels folder (it holds {CODEBOOK_FILE})") from None
        if path.name != CODEBOOK_FILE:
            raise LabelsError(f"{path}: no such file; give a labels folder or its {CODEBOOK_FILE}") from None
        raise LabelsError(f"{path}: no codebook here; a labels folder needs a {CODEBOOK_FILE}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelsError(f"{path}: not a readable JSON codebook ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != CODEBOOK_FORMAT:
        raise LabelsError(f'{path}: expected "format": "{CODEBOOK_FORMAT}" at the top of the codebook')
    rows = data.get("frames")
    if not isinstance(rows, list) or not rows:
        raise LabelsError(f'{path}: the codebook needs a non-empty "frames" list')
    frames: list[Frame] = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise LabelsError(f"{path}: frame {i} is not an object")
        frame_id = row.get("id")
        if not isinstance(frame_id, str) or not _FRAME_ID.match(frame_id):
            raise LabelsError(f"{path}: frame {i} needs a snake_case id, got {frame_id!r}")
        if frame_id in {f.id for f in frames}:
            raise LabelsError(f"{path}: frame id {frame_id!r} appears twice")
        for key in ("name", "definition"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise LabelsError(f"{path}: frame {frame_id!r} needs a non-empty {key!r}")
        frames.append(Frame(frame_id, row["name"], row["definition"], str(row.get("excludes", ""))))
    ids = {f.id for f in frames}
    for example in _examples(data):
        unknown = [f for f in example.get("frames", []) if f not in ids] if isinstance(example, dict) else ["?"]
        if unknown or not isinstance(example.get("text"), str):
            raise LabelsError(f"{path}: worked example {example!r} needs a \"text\" and frames from the codebook")
    return Codebook(tuple(frames), str(data.get("scope", "")))


def _examples(data: dict) -> list:
    """Every worked example of a codebook: the frames' and the neighbouring narratives'."""
    examples = list(data.get("examples", []))
    for narrative in data.get("neighbouring_narratives", []):
        examples += list(narrative.get("examples", [])) + ([narrative["contrast"]] if "contrast" in narrative else [])
    return examples
