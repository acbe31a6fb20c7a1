"""Per-frame precision, recall and F1, computed with numpy for training and evaluation alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from frames.errors import LabelsError
from frames.labels import LabelledSentence, Problem, read_label_file


@dataclass(frozen=True)
class FrameScore:
    """One frame's scores against the labels; support is the number of labelled positives."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    """Per-frame scores, their unweighted mean F1, and how many sentences were scored."""

    frames: dict[str, FrameScore]
    macro_f1: float
    n: int

    def to_dict(self) -> dict:
        return {"macro_f1": self.macro_f1,
                "frames": {fid: {"precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}
                           for fid, s in self.frames.items()},
                "n": self.n}


def score_frames(truth: np.ndarray, predicted: np.ndarray, frame_ids: tuple[str, ...]) -> Evaluation:
    """Compare boolean (n, n_frames) label and prediction matrices frame by frame.

    A frame with nothing predicted has precision 0; with no positives, recall and F1 are 0.
    """
    truth = truth.astype(bool)
    predicted = predicted.astype(bool)
    scores = {}
    for j, fid in enumerate(frame_ids):
        tp = int((truth[:, j] & predicted[:, j]).sum())
        n_pred = int(predicted[:, j].sum())
        support = int(truth[:, j].sum())
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[fid] = FrameScore(precision, recall, f1, support)
    macro = float(np.mean([s.f1 for s in scores.values()])) if scores else 0.0
    return Evaluation(scores, macro, int(truth.shape[0]))


def label_matrix(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...], frame_ids: tuple[str, ...]) -> np.ndarray:
    """Boolean (n, n_frames) matrix of which frames each labelled sentence carries."""
    column = {fid: j for j, fid in enumerate(frame_ids)}
    matrix = np.zeros((len(sentences), len(frame_ids)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for fid in sentence.frames:
            if fid in column:
                matrix[i, column[fid]] = True
    return matrix


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall curve of one frame (mean precision at each positive)."""
    order = np.argsort(-scores, kind="stable")
    hits = truth[order].astype(bool)
    if not hits.any():
        return 0.0
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision_at[hits].mean())


def evaluate_file(model, labels_file: str | Path) -> tuple[Evaluation, list[Problem]]:
    """Score a labelled JSONL file with a model; unknown frames are reported and left out."""
    sentences, problems = read_label_file(labels_file, model.frames)
    if not sentences:
        reason = f" ({problems[0].message})" if problems else ""
        raise LabelsError(f"{labels_file}: no labelled sentences to evaluate{reason}")
    truth = label_matrix(sentences, model.frames)
    predicted = model.predict_proba([s.text for s in sentences]) >= model.thresholds
    return score_frames(truth, predicted, model.frames), problems
