"""The model folder: what training learned, stored as JSON and a pickle-free .npz.

A folder holds model.json (format, frames, thresholds, feature settings, training metadata),
vocabulary.npz (the terms of each feature block, in column order, as one UTF-8 array a block:
terms joined by newlines) and weights.npz (idf per block, coefficients, intercepts). Models
before format 4 hold vocabulary.json (a JSON list of term lists) instead; both are read. Everything is checked before any of it is used. Training also
writes metrics.json (its report) and codebook.json (the labels' codebook, for `frames label`),
which scoring does not read.
"""

from __future__ import annotations

import io
import itertools
import json
import operator
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from frames.errors import ModelError
from frames.model.features import ANALYZERS, FeatureSpec
from frames.model.verdict import KINDS, ArticleRule, check_rule, legacy_rule

# 2: calibration and the article rule; 3: length-aware evidence; 4: the vocabulary as an array file
# (the large JSON list took longer to parse than the rest of loading). Formats 1 to 3 are still read.
MODEL_FORMAT = 4
MODEL_KIND = "frames-model"  # the marker that tells a model folder from any other folder
MODEL_FILE = "model.json"
VOCABULARY_FILE = "vocabulary.npz"
LEGACY_VOCABULARY_FILE = "vocabulary.json"  # formats 1 to 3
WEIGHTS_FILE = "weights.npz"
MODEL_FILES = (MODEL_FILE, VOCABULARY_FILE, WEIGHTS_FILE)
TERM_SEPARATOR = "\n"  # never inside a term: word tokens and char_wb n-grams hold no newline
# A fixed timestamp inside the .npz so that the same weights give the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, eq=False)
class ModelData:
    """Everything a model folder holds, validated: enough to score with numpy alone."""

    frame_ids: tuple[str, ...]
    frame_names: tuple[str, ...]
    thresholds: np.ndarray  # (n_frames,)
    features: tuple[FeatureSpec, ...]
    vocabularies: tuple[tuple[str, ...], ...]
    idfs: tuple[np.ndarray, ...]
    coef: np.ndarray  # (n_frames, n_features)
    intercept: np.ndarray  # (n_frames,)
    rule: ArticleRule | None = None  # the article verdict; None: one sentence over threshold (format 1)
    calibration: np.ndarray | None = None  # (n_frames, 2): probability = sigmoid(a * logit + b); None: a=1, b=0
    training: dict = field(default_factory=dict)
    evidence_words: int = 0  # L: a sentence of n words keeps min(1, n / L) of its feature evidence; 0: all

    @property
    def article_rule(self) -> ArticleRule:
        """The article verdict rule (the legacy one-sentence rule for models without one)."""
        return self.rule if self.rule is not None else legacy_rule(len(self.frame_ids))


def model_files(data: ModelData) -> dict[str, bytes]:
    """The bytes of each file of a model folder; the same data always gives the same bytes."""
    config = {
        "kind": MODEL_KIND,
        "format": MODEL_FORMAT,
        "frames": [{"id": i, "name": n} for i, n in zip(data.frame_ids, data.frame_names)],
        "thresholds": [float(t) for t in data.thresholds],
        "features": [spec.to_json() for spec in data.features],
        "calibration": [[float(a), float(b)] for a, b in _calibration(data)],
        "article_rule": data.article_rule.to_json(),
        "evidence_words": int(data.evidence_words),
        "training": data.training,
    }
    arrays = {f"idf_{i}": idf for i, idf in enumerate(data.idfs)}
    arrays.update(coef=data.coef, intercept=data.intercept)
    return {
        MODEL_FILE: _json_bytes(config),
        # Both stored, not deflated: inflating them took about 13 ms of every cold `frames classify`
        # (weights ~11 ms, vocabulary ~2 ms), for 2.9 MB on disk instead of 1.9 MB.
        VOCABULARY_FILE: _npz_bytes(_vocabulary_arrays(data.vocabularies)),
        WEIGHTS_FILE: _npz_bytes(arrays),
    }


def is_model_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is a frames model: its model.json carries the frames marker.

    Models written before the marker existed are recognised by their format, frames and features.
    """
    path = Path(folder) / MODEL_FILE
    if not Path(folder).is_dir() or not path.is_file():
        return False
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(config, dict):
        return False
    return config.get("kind") == MODEL_KIND or (
        "kind" not in config and isinstance(config.get("format"), int) and isinstance(config.get("frames"), list)
        and isinstance(config.get("features"), list))


def save_model_folder(data: ModelData, folder: str | Path, extra: dict[str, bytes] | None = None) -> None:
    """Write a whole model folder (plus ``extra`` files) beside ``folder``, then swap it into place.

    A crash while the files are written leaves the old model as it was. The swap is one atomic
    exchange on Linux; elsewhere it is two renames, and a crash between them leaves no folder at
    ``folder`` (see frames.files.atomic.replace_folder for where the two models are then).
    Only a model folder is ever replaced; anything else at ``folder`` is refused.
    """
    from frames.files.atomic import write_folder  # here: scoring never writes, and need not import it

    folder = Path(folder)
    if (folder.exists() or folder.is_symlink()) and not is_model_folder(folder):
        raise ModelError(f"{folder}: is not a frames model folder; refusing to replace it")
    write_folder(folder, {**model_files(data), **(extra or {})})


def _vocabulary_arrays(vocabularies: tuple[tuple[str, ...], ...]) -> dict[str, np.ndarray]:
    """Each block's terms as one uint8 array: their UTF-8 bytes, joined by newlines."""
    arrays = {}
    for i, terms in enumerate(vocabularies):
        if any(TERM_SEPARATOR in t or not t for t in terms):
            raise ModelError(f"feature block {i} has an empty term or one with a newline; it cannot be saved")
        arrays[f"terms_{i}"] = np.frombuffer(TERM_SEPARATOR.join(terms).encode("utf-8"), dtype=np.uint8)
    return arrays


def _calibration(data: ModelData) -> np.ndarray:
    if data.calibration is not None:
        return data.calibration
    return np.column_stack([np.ones(len(data.frame_ids)), np.zeros(len(data.frame_ids))])


def _json_bytes(value: object, indent: int | None = 1) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=False) + "\n").encode("utf-8")


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (a zip of .npy files), stored: reading it inflates nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def read_model(folder: str | Path) -> ModelData:
    """Read and check a model folder; any missing, damaged or foreign part is a ModelError."""
    folder = Path(folder)
    if not folder.is_dir():
        left = _interrupted_swap(folder)
        if left:
            raise ModelError(f"{folder}: no model folder here, but an interrupted replacement left the old model "
                             f"in {left}; move it back to {folder}, or retrain")
        if folder.exists():
            raise ModelError(f"{folder}: is a file, not a model folder; give the folder `frames train` wrote")
        raise ModelError(f"{folder}: no such folder; give a model folder, or train one with "
                         f"`frames train --out {folder}`")
    if not (folder / MODEL_FILE).is_file():
        raise ModelError(f"{folder}: incomplete model, missing {MODEL_FILE}; retrain it with `frames train`")
    config = _read_json(folder / MODEL_FILE)
    if not isinstance(config, dict) or not isinstance(config.get("format"), int):
        raise ModelError(f"{folder / MODEL_FILE}: not a frames model file (no integer \"format\")")
    if config["format"] > MODEL_FORMAT:
        raise ModelError(f"{folder / MODEL_FILE}: model format {config['format']} is newer than this frames "
                         f"reads ({MODEL_FORMAT}); upgrade frames")
    if config["format"] not in (1, 2, 3, MODEL_FORMAT):
        raise ModelError(f"{folder / MODEL_FILE}: unsupported model format {config['format']}")
    vocabulary_file = VOCABULARY_FILE if config["format"] >= 4 else LEGACY_VOCABULARY_FILE
    missing = [name for name in (vocabulary_file, WEIGHTS_FILE) if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"{folder}: incomplete model, missing {', '.join(missing)}; retrain it with `frames train`")
    frames, thresholds, features, rule, calibration = _check_config(config, folder / MODEL_FILE)
    if config["format"] >= 4:
        vocab = _read_vocabulary(folder / VOCABULARY_FILE, len(features))
    else:
        vocab = _read_json(folder / LEGACY_VOCABULARY_FILE)
        if (not isinstance(vocab, list) or len(vocab) != len(features)
                or not all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in vocab)):
            raise ModelError(f"{folder / LEGACY_VOCABULARY_FILE}: expected one list of terms per feature block "
                             f"({len(features)})")
    for i, terms in enumerate(vocab):
        if not _distinct(terms):
            raise ModelError(f"{folder / vocabulary_file}: feature block {i} lists a term twice; retrain the model")
    features = tuple(FeatureSpec(f.analyzer, f.ngram_min, f.ngram_max, len(v)) for f, v in zip(features, vocab))
    arrays = _read_npz(folder / WEIGHTS_FILE, len(features))
    n_features = sum(f.size for f in features)
    shapes = {"coef": (len(frames), n_features), "intercept": (len(frames),)}
    shapes.update({f"idf_{i}": (f.size,) for i, f in enumerate(features)})
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise ModelError(f"{folder / WEIGHTS_FILE}: {name} has shape {arrays[name].shape}, expected {shape} "
                             f"to match {MODEL_FILE} and {vocabulary_file}")
    return ModelData(
        frame_ids=tuple(f["id"] for f in frames),
        frame_names=tuple(f["name"] for f in frames),
        thresholds=np.asarray(thresholds, dtype=np.float64),
        features=features,
        vocabularies=tuple(tuple(v) for v in vocab),
        idfs=tuple(arrays[f"idf_{i}"] for i in range(len(features))),
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        rule=rule,
        calibration=calibration,
        training=config.get("training") or {},
        evidence_words=_evidence_words(config, folder / MODEL_FILE),
    )


def _distinct(terms: list[str]) -> bool:
    """Whether no term is listed twice. Training writes terms sorted (scikit-learn's order), and
    strictly increasing terms are distinct: checked without hashing them all into a set."""
    if all(map(operator.lt, terms, itertools.islice(terms, 1, None))):  # operator.lt: twice as fast as str.__lt__
        return True
    return len(set(terms)) == len(terms)


def _evidence_words(config: dict, path: Path) -> int:
    """The length-aware evidence setting (0 for models before format 3), checked."""
    value = config.get("evidence_words", 0) if config["format"] >= 3 else 0
    if config["format"] >= 3 and "evidence_words" not in config:
        raise ModelError(f"{path}: \"evidence_words\" is missing (format 3 models carry it); retrain the model")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ModelError(f"{path}: \"evidence_words\" must be a whole number, 0 or more")
    return value


def _interrupted_swap(folder: Path) -> Path | None:
    """The old model a swap cut short between its two renames left beside ``folder`` (see atomic.replace_folder)."""
    try:
        found = sorted(p / folder.name for p in folder.parent.iterdir()
                       if p.name.startswith(f".{folder.name}.old-") and (p / folder.name).is_dir())
    except OSError:
        return None
    return found[-1] if found and folder.name else None


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: damaged, not readable JSON ({exc}); retrain the model") from None


def _check_config(config: dict, path: Path):
    """frames, thresholds, features, article rule and calibration from model.json, all checked."""
    frames = config.get("frames")
    if (not isinstance(frames, list) or not frames
            or not all(isinstance(f, dict) and isinstance(f.get("id"), str) and isinstance(f.get("name"), str)
                       for f in frames)):
        raise ModelError(f"{path}: \"frames\" must be a non-empty list of {{\"id\", \"name\"}}")
    ids = [f["id"] for f in frames]
    if len(set(ids)) != len(ids):
        raise ModelError(f"{path}: frame id {next(i for i in ids if ids.count(i) > 1)!r} appears twice")
    thresholds = config.get("thresholds")
    if (not isinstance(thresholds, list) or len(thresholds) != len(frames)
            or not all(isinstance(t, (int, float)) and 0.0 <= t <= 1.0 for t in thresholds)):
        raise ModelError(f"{path}: \"thresholds\" must hold one number in [0, 1] per frame")
    raw = config.get("features")
    if not isinstance(raw, list) or not raw:
        raise ModelError(f"{path}: \"features\" must be a non-empty list")
    features = []
    for spec in raw:
        rng = spec.get("ngram_range") if isinstance(spec, dict) else None
        if (not isinstance(spec, dict) or spec.get("analyzer") not in ANALYZERS or not isinstance(rng, list)
                or len(rng) != 2 or not all(isinstance(n, int) and n >= 1 for n in rng) or rng[0] > rng[1]):
            raise ModelError(f"{path}: a feature block is not one this frames can compute: {spec!r}")
        features.append(FeatureSpec(spec["analyzer"], rng[0], rng[1]))
    if config["format"] == 1:
        if config.get("aggregation") != "max":
            raise ModelError(f"{path}: unknown article aggregation {config.get('aggregation')!r}")
        return frames, thresholds, features, None, None
    rule = check_rule(config.get("article_rule"), len(frames))
    if rule is None:
        raise ModelError(f"{path}: \"article_rule\" is not a verdict rule this frames knows "
                         f"(kinds: {', '.join(KINDS)}, one cut per frame)")
    calibration = config.get("calibration")
    if (not isinstance(calibration, list) or len(calibration) != len(frames)
            or not all(isinstance(r, list) and len(r) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                                  and np.isfinite(v) for v in r) for r in calibration)):
        raise ModelError(f"{path}: \"calibration\" must hold one finite [a, b] pair per frame")
    return frames, thresholds, features, rule, np.asarray(calibration, dtype=np.float64)


def _read_vocabulary(path: Path, n_blocks: int) -> list[list[str]]:
    """The terms of each block from vocabulary.npz: one uint8 array a block, UTF-8, newline-separated."""
    expected = {f"terms_{i}" for i in range(n_blocks)}
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if names != expected:
                raise ModelError(f"{path}: holds arrays {sorted(names)}, expected {sorted(expected)} "
                                 f"(one per feature block in {MODEL_FILE})")
            arrays = [archive[f"terms_{i}"] for i in range(n_blocks)]
    except ModelError:
        raise
    except Exception as exc:  # zipfile, format and pickle refusals all mean a damaged file
        raise ModelError(f"{path}: damaged vocabulary file ({type(exc).__name__}: {exc}); retrain the model") from None
    vocab = []
    for i, array in enumerate(arrays):
        if array.dtype != np.uint8 or array.ndim != 1:
            raise ModelError(f"{path}: terms_{i} must be a 1-d uint8 array (UTF-8 text), "
                             f"got {array.dtype} of shape {array.shape}")
        try:
            text = array.tobytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ModelError(f"{path}: terms_{i} is not UTF-8 text ({exc}); retrain the model") from None
        terms = text.split(TERM_SEPARATOR) if text else []
        if "" in terms:
            raise ModelError(f"{path}: terms_{i} holds an empty term; retrain the model")
        vocab.append(terms)
    return vocab


def _read_npz(path: Path, n_blocks: int) -> dict[str, np.ndarray]:
    expected = {"coef", "intercept"} | {f"idf_{i}" for i in range(n_blocks)}
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if names != expected:
                raise ModelError(f"{path}: holds arrays {sorted(names)}, expected {sorted(expected)}")
            arrays = {name: archive[name] for name in expected}
    except ModelError:
        raise
    except Exception as exc:  # zipfile, format and pickle refusals all mean a damaged file
        raise ModelError(f"{path}: damaged weights file ({type(exc).__name__}: {exc}); retrain the model") from None
    for name, array in arrays.items():
        if array.dtype != np.float64 or not np.all(np.isfinite(array)):
            raise ModelError(f"{path}: {name} must be finite float64, got {array.dtype}")
    return arrays
