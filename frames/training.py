"""Training: TF-IDF + one-vs-rest logistic regression, chosen by cross-validation grouped by source.

scikit-learn is imported inside the functions that fit, never at module level, so that
`import frames` and scoring stay fast.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from frames import __version__
from frames.agreement import Settled, settle
from frames.errors import FramesError, LabelsError
from frames.evaluation import Evaluation, average_precision, label_matrix, score_frames
from frames.features import FeatureSpec
from frames.labels import LabelledSentence, LabelSet, load_labels
from frames.model import default_model_path
from frames.modelfile import ModelData, is_model_folder, save_model_folder
from frames.outputs import check_target
from frames.versions import ModelInfo, model_info

# Feature sets tried by cross-validation, cheapest to score first.
FEATURE_SETS: dict[str, tuple[FeatureSpec, ...]] = {
    "word 1-2": (FeatureSpec("word", 1, 2),),
    "word 1-2 + char_wb 3-5": (FeatureSpec("word", 1, 2), FeatureSpec("char_wb", 3, 5)),
    "word 1-2 + char_wb 2-5": (FeatureSpec("word", 1, 2), FeatureSpec("char_wb", 2, 5)),
}
C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# Settings within this much mean average precision of the best are a tie, about the spread
# between neighbouring C values; a tie goes to the cheaper feature set, then the smaller C.
TIE = 0.005
MIN_DF = 2
MAX_FOLDS = 5
MIN_POSITIVES = 5


@dataclass(frozen=True)
class Candidate:
    """One hyper-parameter setting and its out-of-fold mean average precision."""

    features: str
    C: float
    mean_ap: float


@dataclass(frozen=True)
class TrainingResult:
    """What `train` did: where the model went, its out-of-fold scores, and how it was chosen."""

    out: Path
    evaluation: Evaluation  # out-of-fold, at the tuned thresholds
    thresholds: dict[str, float]
    chosen: Candidate
    candidates: tuple[Candidate, ...]
    n_sentences: int
    n_groups: int
    n_folds: int
    label_counts: dict[str, int]
    data_sha256: str
    seconds: float
    settled: Settled
    previous: ModelInfo | None  # the model this one replaces or is compared with


def train(labels_dir: str | Path = "labels", out: str | Path = "models/default", force: bool = False) -> TrainingResult:
    """Train a model on a labels folder and write it, with its metrics report, to ``out``.

    An existing model at ``out`` is replaced only with ``force``. The result carries the
    previous model's summary (the one at ``out``, else the default model) for comparison.
    """
    started = time.perf_counter()
    out = Path(out)
    check_out(out, force)
    previous = _previous_model(out)
    labels = load_labels(labels_dir)
    sentences, settled = settle(labels.sentences)
    frame_ids = labels.codebook.ids
    texts = [s.text for s in sentences]
    truth = label_matrix(sentences, frame_ids)
    groups = np.array([s.source for s in sentences])
    _check_trainable(labels, truth, groups)
    n_folds = min(MAX_FOLDS, len(set(groups)))

    candidates, oof = cross_validate(texts, truth, groups, n_folds)
    chosen = choose(candidates)
    probabilities = oof[(chosen.features, chosen.C)]
    thresholds = np.array([tune_threshold(truth[:, j], probabilities[:, j]) for j in range(len(frame_ids))])
    evaluation = score_frames(truth, probabilities >= thresholds, frame_ids)

    features = FEATURE_SETS[chosen.features]
    blocks, coef, intercept = fit_final(texts, truth, features, chosen.C)
    counts = {fid: int(truth[:, j].sum()) for j, fid in enumerate(frame_ids)}
    counts["none"] = int((~truth.any(axis=1)).sum())
    digest = data_hash(sentences)
    data = ModelData(
        frame_ids=frame_ids,
        frame_names=tuple(f.name for f in labels.codebook.frames),
        thresholds=thresholds,
        features=tuple(FeatureSpec(s.analyzer, s.ngram_min, s.ngram_max, len(v)) for s, (v, _) in zip(features, blocks)),
        vocabularies=tuple(tuple(v) for v, _ in blocks),
        idfs=tuple(idf for _, idf in blocks),
        coef=coef,
        intercept=intercept,
        training={
            "n_sentences": len(sentences),
            "label_counts": counts,
            "data_sha256": digest,
            "features": chosen.features,
            "C": chosen.C,
            "cv": {"grouped_by": "source", "n_groups": len(set(groups)), "n_folds": n_folds},
            "oof_macro_f1": evaluation.macro_f1,
            "oof": evaluation.to_dict()["frames"],
            "settled": {"rule": settled.rule, "multi_annotator": settled.n_multi, "ties": settled.n_ties,
                        "settled_rows": settled.n_settled},
            "versions": library_versions(),
        },
    )
    result = TrainingResult(
        out=Path(out), evaluation=evaluation,
        thresholds={fid: float(t) for fid, t in zip(frame_ids, thresholds)},
        chosen=chosen, candidates=tuple(candidates), n_sentences=len(sentences),
        n_groups=len(set(groups)), n_folds=n_folds, label_counts=counts, data_sha256=digest,
        seconds=time.perf_counter() - started, settled=settled, previous=previous,
    )
    save_model_folder(data, out, {"metrics.json": metrics_report(result)})
    return result


def check_out(out: Path, force: bool) -> None:
    """Refuse, before any work, an --out that is not writable, holds anything but a frames model,
    or holds a model when ``force`` is not given."""
    check_target(Path(out), force, "a frames model", is_model_folder, folder=True)


def _previous_model(out: Path) -> ModelInfo | None:
    """The model at ``out`` if there is one, else the default model, to compare scores with."""
    for folder in (out, default_model_path()):
        try:
            return model_info(folder)
        except FramesError:
            continue
    return None


def _check_trainable(labels: LabelSet, truth: np.ndarray, groups: np.ndarray) -> None:
    for j, frame in enumerate(labels.codebook.frames):
        n = int(truth[:, j].sum())
        if n < MIN_POSITIVES or n > len(truth) - MIN_POSITIVES:
            raise LabelsError(f"frame {frame.id!r} has {n} positive sentences of {len(truth)}; label at least "
                              f"{MIN_POSITIVES} sentences with it and {MIN_POSITIVES} without before training")
    if len(set(groups)) < 2:
        raise LabelsError("all sentences share one \"source\"; cross-validation needs at least two sources")


def data_hash(sentences: list[LabelledSentence]) -> str:
    """sha256 of the training rows (text, sorted frames, source), in order."""
    digest = hashlib.sha256()
    for s in sentences:
        digest.update(json.dumps([s.text, sorted(s.frames), s.source], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    import scipy
    import sklearn

    return {"frames": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__}


def _vectorizer(spec: FeatureSpec):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=spec.analyzer, ngram_range=(spec.ngram_min, spec.ngram_max),
                           lowercase=True, sublinear_tf=True, norm="l2", min_df=MIN_DF, dtype=np.float64)


def _classifier(C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=1000, random_state=0)


def fit_sklearn(texts: list[str], truth: np.ndarray, features: tuple[FeatureSpec, ...], C: float):
    """Fit the scikit-learn vectorizers and one classifier per frame; returns (vectorizers, classifiers)."""
    from scipy import sparse

    vectorizers = [_vectorizer(spec) for spec in features]
    X = sparse.hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    classifiers = [_classifier(C).fit(X, truth[:, j]) for j in range(truth.shape[1])]
    return vectorizers, classifiers


def sklearn_predict_proba(fitted, texts: list[str]) -> np.ndarray:
    """Frame probabilities from a scikit-learn fit, the reference the numpy scorer must match."""
    from scipy import sparse

    vectorizers, classifiers = fitted
    X = sparse.hstack([v.transform(texts) for v in vectorizers]).tocsr()
    return np.column_stack([c.predict_proba(X)[:, 1] for c in classifiers])


def fit_final(texts: list[str], truth: np.ndarray, features: tuple[FeatureSpec, ...], C: float):
    """Fit on every sentence and export (vocabulary, idf) per block, coefficients and intercepts."""
    vectorizers, classifiers = fit_sklearn(texts, truth, features, C)
    blocks = []
    for v in vectorizers:
        vocab = sorted(v.vocabulary_, key=v.vocabulary_.get)
        blocks.append((vocab, np.asarray(v.idf_, dtype=np.float64)))
    coef = np.vstack([c.coef_[0] for c in classifiers]).astype(np.float64)
    intercept = np.array([c.intercept_[0] for c in classifiers], dtype=np.float64)
    return blocks, coef, intercept


def cross_validate(texts: list[str], truth: np.ndarray, groups: np.ndarray, n_folds: int,
                   feature_sets: dict[str, tuple[FeatureSpec, ...]] = FEATURE_SETS,
                   c_grid: tuple[float, ...] = C_GRID):
    """Out-of-fold probabilities for every feature set and C, folds grouped by source."""
    from scipy import sparse
    from sklearn.model_selection import GroupKFold

    folds = list(GroupKFold(n_splits=n_folds).split(texts, groups=groups))
    oof: dict[tuple[str, float], np.ndarray] = {}
    for name, features in feature_sets.items():
        for C in c_grid:
            oof[(name, C)] = np.zeros(truth.shape, dtype=np.float64)
        for train_idx, test_idx in folds:
            vectorizers = [_vectorizer(spec) for spec in features]
            train_texts = [texts[i] for i in train_idx]
            test_texts = [texts[i] for i in test_idx]
            X_train = sparse.hstack([v.fit_transform(train_texts) for v in vectorizers]).tocsr()
            X_test = sparse.hstack([v.transform(test_texts) for v in vectorizers]).tocsr()
            for C in c_grid:
                for j in range(truth.shape[1]):
                    clf = _classifier(C).fit(X_train, truth[train_idx, j])
                    oof[(name, C)][test_idx, j] = clf.predict_proba(X_test)[:, 1]
    candidates = [
        Candidate(name, C, float(np.mean([average_precision(truth[:, j], p[:, j]) for j in range(truth.shape[1])])))
        for (name, C), p in oof.items()
    ]
    return candidates, oof


def choose(candidates: list[Candidate]) -> Candidate:
    """The cheapest setting whose mean AP is within TIE of the best (candidates are in cost order)."""
    best = max(c.mean_ap for c in candidates)
    return next(c for c in candidates if c.mean_ap >= best - TIE)


def tune_threshold(truth: np.ndarray, scores: np.ndarray) -> float:
    """The probability cut that maximises F1 on out-of-fold scores (the highest, among equals)."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], truth[order].astype(bool)
    tp = np.cumsum(hits)
    predicted = np.arange(1, len(hits) + 1)
    f1 = 2 * tp / (predicted + hits.sum())
    # Only cut where the next score is strictly lower, so ">= threshold" selects exactly the top k.
    valid = np.append(ranked[:-1] > ranked[1:], True)
    best = int(np.argmax(np.where(valid, f1, -1.0)))
    return float(ranked[best])


def metrics_report(result: TrainingResult) -> bytes:
    """The metrics.json written beside a model: out-of-fold scores, counts, hash, versions, date."""
    report = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "out_of_fold": result.evaluation.to_dict(),
        "thresholds": result.thresholds,
        "chosen": {"features": result.chosen.features, "C": result.chosen.C, "mean_ap": result.chosen.mean_ap},
        "candidates": [{"features": c.features, "C": c.C, "mean_ap": c.mean_ap} for c in result.candidates],
        "cv": {"grouped_by": "source", "n_groups": result.n_groups, "n_folds": result.n_folds},
        "n_sentences": result.n_sentences,
        "label_counts": result.label_counts,
        "data_sha256": result.data_sha256,
        "settled": {"rule": result.settled.rule, "multi_annotator": result.settled.n_multi,
                    "ties": result.settled.n_ties, "settled_rows": result.settled.n_settled},
        "previous": ({"model": str(result.previous.path), "oof_macro_f1": result.previous.oof_macro_f1,
                      "oof_f1": result.previous.oof_f1} if result.previous else None),
        "versions": library_versions(),
        "seconds": round(result.seconds, 2),
    }
    return (json.dumps(report, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
