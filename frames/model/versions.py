"""Model versions: what each model folder was trained on and how well, for listing and comparing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from frames.model.default_model import default_model_path
from frames.errors import ModelError
from frames.model.modelfile import MODEL_FILE


@dataclass(frozen=True)
class ModelInfo:
    """One model folder's summary, read from its model.json (and metrics.json for the date)."""

    name: str
    path: Path
    trained_at: str
    frames: tuple[str, ...]
    n_sentences: int
    data_sha256: str
    oof_macro_f1: float | None  # out-of-fold, on real rows when the labels had them (model.json)
    oof_f1: dict[str, float]
    article_rates: dict = field(default_factory=dict)  # per frame: the article verdict's CV tpr and fpr
    heldout_macro_f1: float | None = None  # on the frozen held-out split's sentences (metrics.json), if scored


def model_info(folder: str | Path) -> ModelInfo:
    """Summarise a model folder without loading its weights."""
    folder = Path(folder)
    try:
        config = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{folder / MODEL_FILE}: not a readable model ({exc})") from None
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        metrics = {}
    try:
        training = config.get("training") or {}
        oof = training.get("oof") or {}
        heldout = metrics.get("heldout_sentences") if isinstance(metrics, dict) else None
        return ModelInfo(
            name=folder.name,
            path=folder,
            trained_at=str(metrics.get("trained_at", "")),
            frames=tuple(f.get("id", "?") for f in config.get("frames", [])),
            n_sentences=int(training.get("n_sentences", 0)),
            data_sha256=str(training.get("data_sha256", "")),
            oof_macro_f1=training.get("oof_macro_f1"),
            oof_f1={fid: s["f1"] for fid, s in oof.items() if isinstance(s, dict) and "f1" in s},
            heldout_macro_f1=heldout.get("macro_f1") if isinstance(heldout, dict) else None,
            article_rates=training.get("article_rates") if isinstance(training.get("article_rates"), dict) else {},
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise ModelError(f"{folder / MODEL_FILE}: not a model.json frames wrote ({exc})") from None


def models_folder() -> Path:
    """The folder holding the default model ($FRAMES_MODEL's, else the shipped one): where models are listed
    when no folder is named, so that `frames models` finds the shipped model from any working directory."""
    return default_model_path().parent


def list_models(models_dir: str | Path | None = None) -> list[ModelInfo]:
    """Every model folder directly under models_dir (None: models_folder()), by name."""
    root = Path(models_dir) if models_dir is not None else models_folder()
    return [model_info(p) for p in _model_folders(root)]


def _model_folders(root: Path) -> list[Path]:
    """The folders under ``root`` holding a model.json, by name; refuses a root that is not a folder."""
    if not root.exists():
        raise ModelError(f"{root}: no such folder; give the folder that holds your models (e.g. models), "
                         f"or train one with `frames train --out {root}/NAME`")
    if not root.is_dir():
        raise ModelError(f"{root}: not a folder; give the folder that holds your model folders")
    return [p for p in sorted(root.iterdir()) if (p / MODEL_FILE).is_file()]


@dataclass(frozen=True)
class ModelListing:
    """The model folders of a folder: those that can be read, by name, and the broken ones with why."""

    models: tuple[ModelInfo, ...]
    broken: tuple[tuple[Path, str], ...]


def scan_models(models_dir: str | Path | None = None) -> ModelListing:
    """Every model folder directly under models_dir (None: models_folder()), a broken one listed
    with its reason instead of stopping the listing (list_models stops at it)."""
    root = Path(models_dir) if models_dir is not None else models_folder()
    models, broken = [], []
    for folder in _model_folders(root):
        try:
            models.append(model_info(folder))
        except ModelError as exc:
            broken.append((folder, str(exc)))
    return ModelListing(tuple(models), tuple(broken))
