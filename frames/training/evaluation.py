"""Per-frame precision, recall and F1, computed with numpy for training and evaluation alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from frames.errors import LabelsError
from frames.labels.store import LabelledArticle, LabelledSentence, Problem, read_article_labels, read_label_file


@dataclass(frozen=True)
class FrameScore:
    """One frame's scores against the labels; support is the number of labelled positives.

    A figure that is not defined is None, never 0: precision when nothing was predicted, recall and
    F1 when the frame has no support. (With support and nothing predicted, recall and F1 are 0.)
    """

    precision: float | None
    recall: float | None
    f1: float | None
    support: int


@dataclass(frozen=True)
class Evaluation:
    """Per-frame scores, their mean F1 over the frames with support, and the false-alarm rate.

    false_alarm: the share of items with no frame (sentences or articles) that get one or more;
    without_support: frames with no labelled positive, left out of macro_f1.
    """

    frames: dict[str, FrameScore]
    macro_f1: float
    n: int
    false_alarm: float | None = None
    n_none: int = 0
    without_support: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"macro_f1": self.macro_f1,
                "frames": {fid: {"precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}
                           for fid, s in self.frames.items()},
                "n": self.n, "false_alarm": self.false_alarm, "n_none": self.n_none,
                "without_support": list(self.without_support)}


def score_frames(truth: np.ndarray, predicted: np.ndarray, frame_ids: tuple[str, ...],
                 known: np.ndarray | None = None) -> Evaluation:
    """Compare boolean (n, n_frames) label and prediction matrices frame by frame.

    A frame with nothing predicted has no precision (None); a frame with no positives has no recall
    or F1 (None) and is left out of the macro mean (and listed in without_support). With ``known`` (see
    known_matrix), each frame is scored only on the rows that judge it, and only rows that judge
    every frame count as having no frame.
    """
    truth = truth.astype(bool)
    predicted = predicted.astype(bool)
    if known is not None and not known.all():
        truth = truth & known  # a row that does not judge a frame is neither a hit nor a miss for it
        predicted = predicted & known
    scores = {}
    for j, fid in enumerate(frame_ids):
        tp = int((truth[:, j] & predicted[:, j]).sum())
        n_pred = int(predicted[:, j].sum())
        support = int(truth[:, j].sum())
        precision = tp / n_pred if n_pred else None
        recall = tp / support if support else None
        f1 = None
        if support:
            f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
        scores[fid] = FrameScore(precision, recall, f1, support)
    supported = [s.f1 for s in scores.values() if s.support]
    macro = float(np.mean(supported)) if supported else 0.0
    none = ~truth.any(axis=1) if known is None else ~truth.any(axis=1) & known.all(axis=1)
    false_alarm = float(predicted[none].any(axis=1).mean()) if none.any() else None
    return Evaluation(scores, macro, int(truth.shape[0]), false_alarm, int(none.sum()),
                      tuple(fid for fid, s in scores.items() if not s.support))


@dataclass(frozen=True)
class ReliabilityBin:
    """Scores in [low, high): how many, their mean, and the share that were truly positive."""

    low: float
    high: float
    n: int
    mean_score: float
    positive_rate: float


def reliability(truth: np.ndarray, scores: np.ndarray, bins: int = 10) -> tuple[tuple[ReliabilityBin, ...], float]:
    """The reliability table of scores against 0/1 truth (all frames pooled) and the expected
    calibration error: the n-weighted mean gap between mean score and positive rate per bin."""
    truth, scores = np.asarray(truth, dtype=float).ravel(), np.asarray(scores, dtype=float).ravel()
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, bins - 1)
    table, gap = [], 0.0
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        if n:
            mean, rate = float(scores[inside].mean()), float(truth[inside].mean())
            gap += n * abs(mean - rate)
            table.append(ReliabilityBin(float(edges[b]), float(edges[b + 1]), n, mean, rate))
    return tuple(table), (gap / len(scores) if len(scores) else 0.0)


def label_matrix(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...], frame_ids: tuple[str, ...]) -> np.ndarray:
    """Boolean (n, n_frames) matrix of which frames each labelled sentence carries."""
    column = {fid: j for j, fid in enumerate(frame_ids)}
    matrix = np.zeros((len(sentences), len(frame_ids)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for fid in sentence.frames:
            if fid in column:
                matrix[i, column[fid]] = True
    return matrix


def known_matrix(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...], frame_ids: tuple[str, ...]) -> np.ndarray:
    """Boolean (n, n_frames) matrix of which frames each sentence judges: all of them for a complete
    row, only those in frames or absent for a partial one (the others are unknown)."""
    matrix = np.ones((len(sentences), len(frame_ids)), dtype=bool)
    for i, sentence in enumerate(sentences):
        if sentence.known is not None:
            matrix[i] = [fid in sentence.known for fid in frame_ids]
    return matrix


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall curve of one frame, as scikit-learn's average_precision_score:
    the precision at each distinct score, weighted by the recall it adds. Tied scores are one step,
    so the result never depends on the order of the rows (a test compares with scikit-learn)."""
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    hits = np.asarray(truth)[order].astype(bool)
    if not hits.any():
        return 0.0
    ranked = scores[order]
    last = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))  # the last row of each run of equal scores
    found = np.cumsum(hits)[last]
    gained = np.diff(found, prepend=0)
    return float((gained * found / (last + 1)).sum() / found[-1])


def evaluate_file(model, labels_file: str | Path) -> tuple[Evaluation, list[Problem]]:
    """Score a labelled JSONL file of sentences with a model; unknown frames are reported and left out."""
    sentences, problems = read_label_file(labels_file, model.frames)
    if not sentences:
        reason = f" ({problems[0].message})" if problems else ""
        raise LabelsError(f"{labels_file}: no labelled sentences to evaluate{reason}")
    truth = label_matrix(sentences, model.frames)
    predicted = model.predict_proba([s.text for s in sentences]) >= model.thresholds
    return score_frames(truth, predicted, model.frames, known_matrix(sentences, model.frames)), problems


def article_verdicts(model, articles: list[LabelledArticle] | tuple[LabelledArticle, ...]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, the model's verdicts and its article scores (n_articles, n_frames), articles split and
    scored once; articles with no sentence are left out."""
    from frames.text.sentences import split_sentences

    split = [split_sentences(a.text) for a in articles]
    kept = [(a, s) for a, s in zip(articles, split) if s]
    truth = label_matrix([a for a, _ in kept], model.frames)
    summaries = model.summaries([s for _, s in kept])
    predicted = np.array([[f.present for f in profile] for profile in summaries], dtype=bool).reshape(len(kept), -1)
    scores = np.array([[f.score for f in profile] for profile in summaries], dtype=float).reshape(len(kept), -1)
    return truth, predicted, scores


def evaluate_articles(model, articles: list[LabelledArticle] | tuple[LabelledArticle, ...]) -> Evaluation:
    """Score labelled whole articles with a model's article verdicts (n counts articles)."""
    truth, predicted, _ = article_verdicts(model, articles)
    return score_frames(truth, predicted, model.frames)


def evaluate_article_file(model, labels_file: str | Path) -> tuple[Evaluation, list[Problem]]:
    """Score an article-label JSONL file (see frames.labels.store.read_article_labels) at article level."""
    articles, problems = read_article_labels(labels_file, model.frames)
    if not articles:
        reason = f" ({problems[0].message})" if problems else ""
        raise LabelsError(f"{labels_file}: no labelled articles to evaluate{reason}")
    return evaluate_articles(model, articles), problems


def compare_table(results: list[tuple[str, dict]]) -> list[str]:
    """Lines of a table of F1 by frame, one column per model: results are (model, Evaluation.to_dict())."""
    frames_seen = list(dict.fromkeys(fid for _, scores in results for fid in scores["frames"]))
    width = max(len("macro-F1"), *(len(f) for f in frames_seen))
    lines = [f"  [{i}] {name}" for i, (name, _) in enumerate(results, 1)]
    lines.append(f"{'frame':<{width}}  " + "  ".join(f"{f'[{i}]':>6}" for i in range(1, len(results) + 1)))
    for fid in frames_seen:
        cells = [figure(scores["frames"][fid]["f1"], 6) if fid in scores["frames"] else f"{'n/a':>6}"
                 for _, scores in results]
        lines.append(f"{fid:<{width}}  " + "  ".join(cells))
    lines.append(f"{'macro-F1':<{width}}  " + "  ".join(f"{scores['macro_f1']:6.3f}" for _, scores in results))
    return lines


NOT_DEFINED = "\u2014"  # a figure with nothing to measure (a frame without support, nothing predicted)


def figure(value: float | None, width: int) -> str:
    """A figure for a table, right-aligned to ``width``: three decimals, or a dash when it is not defined."""
    return f"{NOT_DEFINED:>{width}}" if value is None else f"{value:{width}.3f}"


@dataclass(frozen=True)
class HeldOut:
    """The frozen held-out split of a labels folder scored with a model: its sentence rows (settled
    as training settles them) and its labelled articles; None where the split has none."""

    sentences: Evaluation | None
    articles: Evaluation | None
    n_documents: int

    def to_dict(self) -> dict:
        return {"documents": self.n_documents,
                "sentences": self.sentences.to_dict() if self.sentences is not None else None,
                "articles": self.articles.to_dict() if self.articles is not None else None}


def evaluate_heldout(model, labels_dir: str | Path) -> HeldOut:
    """Score the documents of a labels folder's test-split.json, as `frames train` does at its end:
    the sentence rows and the article rows of those documents, which training never saw."""
    from frames.labels.agreement import settle
    from frames.labels.store import TEST_SPLIT_FILE, load_articles, load_labels, load_test_split

    split = load_test_split(labels_dir)
    if not split:
        raise LabelsError(f"{Path(labels_dir) / TEST_SPLIT_FILE}: no held-out split here; give the labels folder "
                          "the model was trained on with --labels")
    rows = [s for s in settle(load_labels(labels_dir).sentences)[0] if s.source in split]
    articles = [a for a in load_articles(labels_dir) if a.source in split]
    if not rows and not articles:
        raise LabelsError(f"{labels_dir}: no labelled sentence or article belongs to the {len(split)} held-out "
                          "documents")
    sentences = None
    if rows:
        truth = label_matrix(rows, model.frames)
        predicted = model.predict_proba([s.text for s in rows]) >= model.thresholds
        sentences = score_frames(truth, predicted, model.frames, known_matrix(rows, model.frames))
    return HeldOut(sentences, evaluate_articles(model, articles) if articles else None, len(split))


@dataclass(frozen=True)
class SeenRows:
    """Evaluated rows a model trained on a labels folder has seen: those outside its held-out split."""

    seen: int
    total: int
    labels_dir: Path


def seen_in_training(file: str | Path, articles: bool = False) -> SeenRows | None:
    """How many rows of a labelled file (sentences or articles, by their document or source) lie outside
    the held-out split of the labels folder the file is in, and so were trained on by a model trained on
    that folder; None when the file is in no labels folder with a test-split.json, or every row is held out."""
    import json

    from frames.labels.store import TEST_SPLIT_FILE, load_test_split

    folder = Path(file).absolute().parent
    root = next((r for r in (folder, *folder.parents)
                 if (r / "codebook.json").is_file() and (r / TEST_SPLIT_FILE).is_file()), None)
    if root is None:
        return None
    sources = []
    for line in Path(file).read_text(encoding="utf-8-sig", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # malformed rows are reported by the evaluation itself
        if not isinstance(row, dict):
            continue
        # as the labels are read: an article by its document, a sentence by its source, else its document
        source = (row.get("doc") or row.get("source")) if articles else (row.get("source") or row.get("doc"))
        if isinstance(source, str):
            sources.append(source)
    split = load_test_split(root)
    seen = sum(source not in split for source in sources)
    if Path.cwd() in root.parents or root == Path.cwd():
        root = root.relative_to(Path.cwd())  # named as the user would type it
    return SeenRows(seen, len(sources), root) if seen else None
