"""Training: TF-IDF + one-vs-rest logistic regression, chosen by cross-validation grouped by source.

scikit-learn is imported inside the functions that fit, never at module level, so that
`import frames` and scoring stay fast.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from frames.version import __version__
from frames.labels.agreement import Settled, settle
from frames.labels.codebook import CODEBOOK_FILE, codebook_path
from frames.model.default_model import default_model_path
from frames.errors import FramesError, LabelsError
from frames.training.evaluation import (Evaluation, average_precision, article_verdicts, known_matrix, label_matrix, reliability,
                               score_frames)
from frames.model.features import FeatureSpec
from frames.labels.store import LabelledArticle, LabelledSentence, LabelSet, load_articles, load_labels, load_test_split
from frames.model.modelfile import ModelData, is_model_folder, save_model_folder
from frames.training.rule_choice import RuleChoice, article_folds, choose_rule
from frames.text.fragments import evidence_share, is_fragment, word_count
from frames.text.sentences import split_sentences
from frames.files.outputs import check_target
from frames.model.versions import ModelInfo, model_info

if TYPE_CHECKING:
    from frames.model.scoring import Model

# Feature sets tried by cross-validation, cheapest to score first. Pruned on the shipped labels
# (grouped CV, 48 settings): word 1-2 alone was 0.04-0.05 mean AP below every set with char_wb 3-5,
# and word 1-3 + char_wb 3-5 was within 0.005 of word 1-2 + char_wb 3-5 at every C and weight,
# at a higher scoring cost; C = 1 never came within 0.005 of the best. Each costs a fit per fold.
FEATURE_SETS: dict[str, tuple[FeatureSpec, ...]] = {
    "word 1-2 + char_wb 3-5": (FeatureSpec("word", 1, 2), FeatureSpec("char_wb", 3, 5)),
}
# With the minimal pairs and hard negatives in the labels (7,000 training rows), C = 2 and written
# weights 0.1 and 0 never came within 0.005 of the best either: weights under 0.3 cost the
# Kazakhstan press 0.04-0.30 mean AP for at most 0.003 on real text.
C_GRID = (4.0, 8.0)
# The weight of sentences the team wrote (sample "written"), against 1 for real text.
# Cross-validation over both domains chooses it (see DOMAINS).
WRITTEN_WEIGHTS = (1.0, 0.3)
# Settings are scored on two domains, each by grouped-CV mean average precision over the frames:
# real text (the pool) and the Kazakhstan press (the team's written batches and the seed articles,
# the users' first domain). The objective is the mean of the two, so neither can be dropped.
DOMAINS = {"real": ("real",), "kazakh_press": ("written", "seed")}
# Settings within this much of the best objective are a tie, about the spread between neighbouring
# C values; a tie goes to the cheaper feature set, then the smaller C, then the larger written weight.
TIE = 0.005
# Length-aware scoring: a sentence of n words keeps min(1, n / L) of its feature evidence (the logit
# less the intercept), so a bare keyword cannot score like a claim. L is chosen by grouped CV on the
# objective above; 0 turns it off. Among settings within TIE, the largest L wins (the cautious one).
EVIDENCE_WORDS = (0, 3, 5, 8)
MIN_DF = 2
MAX_FOLDS = 5
# Cross-validation runs its folds in two worker processes from this many sentences; below it, in
# this process: starting the workers (each imports scikit-learn) takes longer than small folds do.
PARALLEL_FROM = 1_000
MIN_POSITIVES = 5


@dataclass(frozen=True)
class Candidate:
    """One hyper-parameter setting and its out-of-fold mean average precision: the mean of its domains'."""

    features: str
    C: float
    mean_ap: float
    written_weight: float = 1.0
    domain_ap: tuple[tuple[str, float], ...] = ()  # mean AP per domain (DOMAINS); mean_ap is their mean


@dataclass(frozen=True)
class TrainingResult:
    """What `train` did: where the model went, its scores at four levels, and how it was chosen.

    evaluation: out-of-fold on every training row; real: out-of-fold on real rows only (None
    without real rows); heldout / heldout_articles: the frozen held-out real split, by sentence and
    by article (None when the labels folder has no split or no held-out rows).
    """

    out: Path
    evaluation: Evaluation
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
    real: Evaluation | None = None
    heldout: Evaluation | None = None
    heldout_articles: Evaluation | None = None
    rule: RuleChoice | None = None
    reliability: dict = field(default_factory=dict)
    n_heldout_documents: int = 0
    heldout_by_sample: dict[str, Evaluation] = field(default_factory=dict)  # whole, uncertain, targeted
    by_domain: dict[str, Evaluation] = field(default_factory=dict)  # out-of-fold per domain (DOMAINS)
    evidence_words: int = 0
    evidence_scores: dict[int, float] = field(default_factory=dict)  # the objective of each EVIDENCE_WORDS value


Progress = Callable[[str, int, int], None]  # (what is being done, steps done, steps in all)


def train(labels_dir: str | Path = "labels", out: str | Path = "models/default", force: bool = False,
          progress: Progress | None = None) -> TrainingResult:
    """Train a model on a labels folder and write it, with its metrics report, to ``out``.

    Documents in the folder's frozen test split (test-split.json) are held out of everything:
    features, C, written weight, evidence length, thresholds, calibration and the article rule are
    chosen by cross-validation grouped by source on the rest (settings by the mean of both domains,
    DOMAINS; calibration and thresholds on real rows where there are any), and the held-out split is
    scored once at the end. An existing model at ``out`` is replaced only with
    ``force``. The result carries the previous model's summary for comparison. ``progress`` is
    called as each step ends (the cross-validation folds, then calibration, the article rule, the
    final fit and the held-out scoring), for a progress bar.
    """
    from threadpoolctl import threadpool_limits

    # One BLAS thread throughout: liblinear's dot products go through BLAS, and OpenBLAS sums a long
    # vector in one piece per thread, so the model's last bits would depend on the machine's cores.
    # Worker processes get one thread from joblib already; this makes a fit here give the same bits.
    with threadpool_limits(limits=1):
        return _train(labels_dir, out, force, progress)


def _train(labels_dir: str | Path, out: str | Path, force: bool, progress: Progress | None) -> TrainingResult:
    started = time.perf_counter()
    out = Path(out)
    check_out(out, force)
    previous = _previous_model(out)
    labels = load_labels(labels_dir)
    held_out = load_test_split(labels_dir)
    articles = load_articles(labels_dir)
    everything, settled = settle(labels.sentences)
    sentences = [s for s in everything if s.source not in held_out]
    test_rows = [s for s in everything if s.source in held_out]
    frame_ids = labels.codebook.ids
    texts = [s.text for s in sentences]
    truth = label_matrix(sentences, frame_ids)
    known = known_matrix(sentences, frame_ids)
    known = None if known.all() else known  # partial rows: each frame learns only from the rows that judge it
    groups = np.array([s.source for s in sentences])
    kinds = np.array([kind(s) for s in sentences])
    _check_trainable(labels, truth, groups, known)
    n_folds = min(MAX_FOLDS, len(set(groups)))
    folds = grouped_folds(groups, n_folds)
    tuning = kinds == "real" if (kinds == "real").any() else np.ones(len(kinds), dtype=bool)
    domains = domain_masks(kinds)

    train_articles = [a for a in articles if a.source not in held_out]
    assigned, article_sentences = article_plan(train_articles, groups, folds)
    fold_texts = [tuple(t for i in np.flatnonzero(assigned == k) for t in article_sentences[i]) for k in range(n_folds)]
    steps = len(FEATURE_SETS) * n_folds + 4
    tell = progress or (lambda stage, done, total: None)
    tell("counting n-grams", 0, steps)
    # Every sentence is analysed once, for the folds and the final fit: the training rows, then each
    # fold's article sentences.
    counted = count_feature_sets(list(texts) + [t for more in fold_texts for t in more])
    tell("cross-validation", 0, steps)
    candidates, oof, oof_intercepts, article_logits = cross_validate(
        texts, truth, kinds, folds, domains, known=known, extra_texts=fold_texts, counted=counted,
        progress=lambda done, total: tell(f"cross-validation: {done} of {total} folds", done, steps))
    done = steps - 4
    chosen = choose(candidates)
    key = (chosen.features, chosen.C, chosen.written_weight)
    words = np.array([word_count(t) for t in texts], dtype=np.float64)
    evidence_words, evidence_scores = choose_evidence_words(truth, oof[key], oof_intercepts[key], words, domains, known)
    logits = shrink(oof[key], oof_intercepts[key], words, evidence_words)
    calibration = fit_calibration(truth[tuning], logits[tuning], None if known is None else known[tuning])
    tell("calibration and thresholds", done + 1, steps)
    probabilities = calibrate(logits, calibration)
    thresholds = np.array([tune_threshold(truth[judged(tuning, known, j), j], probabilities[judged(tuning, known, j), j])
                           for j in range(len(frame_ids))])
    evaluation = score_frames(truth, probabilities >= thresholds, frame_ids, known)
    by_domain = {name: score_frames(truth[rows], probabilities[rows] >= thresholds, frame_ids,
                                    None if known is None else known[rows])
                 for name, rows in domains.items()}
    real = by_domain.get("real")  # the tuning rows, when there are real ones

    features = FEATURE_SETS[chosen.features]
    rule_choice = None
    if train_articles:
        article_probabilities = oof_articles(article_logits[key], assigned, article_sentences, calibration,
                                             evidence_words)
        kept = [i for i, p in enumerate(article_probabilities) if len(p)]
        rule_choice = choose_rule([article_probabilities[i] for i in kept],
                                  label_matrix([train_articles[i] for i in kept], frame_ids), thresholds,
                                  [train_articles[i].source for i in kept], frame_ids)
    tell("article rule", done + 2, steps)
    weights = sample_weights(kinds, chosen.written_weight)
    blocks, coef, intercept = fit_final(counted[chosen.features], np.flatnonzero(weights > 0), truth[weights > 0],
                                        chosen.C, weights[weights > 0], None if known is None else known[weights > 0])
    counts = {fid: int(truth[:, j].sum()) for j, fid in enumerate(frame_ids)}
    counts["none"] = int((~truth.any(axis=1) & (True if known is None else known.all(axis=1))).sum())
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
        rule=rule_choice.rule if rule_choice else None,
        calibration=calibration,
        evidence_words=evidence_words,
        training={
            "n_sentences": len(sentences),
            "label_counts": counts,
            "data_sha256": digest,
            "features": chosen.features,
            "C": chosen.C,
            "written_weight": chosen.written_weight,
            "evidence_words": evidence_words,
            "oof_macro_f1_by_domain": {name: e.macro_f1 for name, e in by_domain.items()},
            "article_rates": rule_choice.rates if rule_choice else {},
            "cv": {"grouped_by": "source", "n_groups": len(set(groups)), "n_folds": n_folds,
                   "tuned_on": "real rows" if (kinds == "real").any() else "all rows"},
            "oof_macro_f1": (real or evaluation).macro_f1,
            "oof": (real or evaluation).to_dict()["frames"],
            "heldout_documents": len(held_out),
            "settled": {"rule": settled.rule, "multi_annotator": settled.n_multi, "ties": settled.n_ties,
                        "settled_rows": settled.n_settled},
            "versions": library_versions(),
        },
    )
    from frames.model.scoring import Model  # scoring code, needed only now

    model = Model(data)
    tell("final fit", done + 3, steps)
    heldout, heldout_articles, table = _held_out(model, test_rows, [a for a in articles if a.source in held_out])
    by_sample = {}
    for sample in sorted({s.sample for s in test_rows if s.sample}):
        rows = [s for s in test_rows if s.sample == sample]
        by_sample[sample] = score_frames(label_matrix(rows, frame_ids),
                                         model.predict_proba([s.text for s in rows]) >= model.thresholds, frame_ids,
                                         known_matrix(rows, frame_ids))
    result = TrainingResult(
        out=Path(out), evaluation=evaluation,
        thresholds={fid: float(t) for fid, t in zip(frame_ids, thresholds)},
        chosen=chosen, candidates=tuple(candidates), n_sentences=len(sentences),
        n_groups=len(set(groups)), n_folds=n_folds, label_counts=counts, data_sha256=digest,
        seconds=time.perf_counter() - started, settled=settled, previous=previous, real=real,
        heldout=heldout, heldout_articles=heldout_articles, rule=rule_choice, reliability=table,
        n_heldout_documents=len(held_out), heldout_by_sample=by_sample,
        by_domain=by_domain, evidence_words=evidence_words, evidence_scores=evidence_scores,
    )
    tell("held-out split", steps, steps)
    # The codebook travels with the model, so `frames label` outside the project still has its definitions.
    save_model_folder(data, out, {"metrics.json": metrics_report(result),
                                  CODEBOOK_FILE: codebook_path(labels_dir).read_bytes()})
    return result


def kind(sentence: LabelledSentence) -> str:
    """real (from a corpus), seed (the users' example articles) or written (by the team)."""
    if sentence.real:
        return "real"
    return "seed" if sentence.sample == "seed" else "written"


def judged(rows: np.ndarray, known: np.ndarray | None, j: int) -> np.ndarray:
    """The rows (a boolean mask) that judge frame ``j``: all of ``rows`` when every row is complete."""
    return rows if known is None else rows & known[:, j]


def sample_weights(kinds: np.ndarray, written_weight: float) -> np.ndarray:
    """1 for real and seed rows, ``written_weight`` for written ones."""
    return np.where(kinds == "written", written_weight, 1.0)


def grouped_folds(groups: np.ndarray, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs, no source on both sides (scikit-learn's GroupKFold)."""
    from sklearn.model_selection import GroupKFold

    return list(GroupKFold(n_splits=n_folds).split(np.zeros(len(groups)), groups=groups))


def _held_out(model: Model, rows: list[LabelledSentence], articles: list) -> tuple[Evaluation | None, Evaluation | None, dict]:
    """The frozen split scored once: sentences, articles, and reliability tables for both."""
    sentence_eval = article_eval = None
    table: dict = {}
    if rows:
        truth = label_matrix(rows, model.frames)
        known = known_matrix(rows, model.frames)
        probabilities = model.predict_proba([s.text for s in rows])
        sentence_eval = score_frames(truth, probabilities >= model.thresholds, model.frames, known)
        bins, ece = reliability(truth, probabilities) if known.all() else reliability(truth[known], probabilities[known])
        table["sentences"] = {"ece": ece, "bins": [b.__dict__ for b in bins]}
    if articles:
        truth, predicted, scores = article_verdicts(model, articles)
        article_eval = score_frames(truth, predicted, model.frames)
        bins, ece = reliability(truth, scores)
        table["articles"] = {"score": "max sentence probability", "ece": ece, "bins": [b.__dict__ for b in bins]}
    return sentence_eval, article_eval, table


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


def _check_trainable(labels: LabelSet, truth: np.ndarray, groups: np.ndarray, known: np.ndarray | None = None) -> None:
    for j, frame in enumerate(labels.codebook.frames):
        n = int(truth[:, j].sum())
        n_judged = len(truth) if known is None else int(known[:, j].sum())
        if n < MIN_POSITIVES or n > n_judged - MIN_POSITIVES:
            raise LabelsError(f"frame {frame.id!r} has {n} positive sentences of {n_judged}; label at least "
                              f"{MIN_POSITIVES} sentences with it and {MIN_POSITIVES} without before training")
    if len(set(groups)) < 2:
        raise LabelsError("all sentences share one \"source\"; cross-validation needs at least two sources")


def data_hash(sentences: list[LabelledSentence]) -> str:
    """sha256 of the training rows (text, sorted frames, source, and the frames judged by a partial row), in order."""
    digest = hashlib.sha256()
    for s in sentences:
        row = [s.text, sorted(s.frames), s.source] + ([] if s.known is None else [sorted(s.known)])
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
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


def _fit_frame(C: float, X, y: np.ndarray, weights: np.ndarray | None, judging: np.ndarray | None = None):
    """One frame's classifier, fitted on the rows that judge the frame (every row when ``judging`` is None)."""
    if judging is None:
        return _classifier(C).fit(X, y, sample_weight=weights)
    return _classifier(C).fit(X[judging], y[judging], sample_weight=None if weights is None else weights[judging])


def fit_sklearn(texts: list[str], truth: np.ndarray, features: tuple[FeatureSpec, ...], C: float,
                weights: np.ndarray | None = None, known: np.ndarray | None = None):
    """Fit the scikit-learn vectorizers and one classifier per frame; returns (vectorizers, classifiers).

    With ``known`` (rows x frames), each frame's classifier sees only the rows that judge it.
    """
    from scipy import sparse

    vectorizers = [_vectorizer(spec) for spec in features]
    X = sparse.hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    classifiers = [_fit_frame(C, X, truth[:, j], weights, None if known is None else known[:, j])
                   for j in range(truth.shape[1])]
    return vectorizers, classifiers


def _transform(vectorizers, texts: list[str]):
    """The TF-IDF matrix of texts under fitted vectorizers, blocks side by side."""
    from scipy import sparse

    return sparse.hstack([v.transform(texts) for v in vectorizers]).tocsr()


def sklearn_predict_proba(fitted, texts: list[str]) -> np.ndarray:
    """Frame probabilities from a scikit-learn fit (uncalibrated), the reference the numpy scorer must match."""
    vectorizers, classifiers = fitted
    X = _transform(vectorizers, texts)
    return np.column_stack([c.predict_proba(X)[:, 1] for c in classifiers])


def fit_final(counted: tuple[CountedTexts, ...], rows: np.ndarray, truth: np.ndarray, C: float,
              weights: np.ndarray | None = None, known: np.ndarray | None = None):
    """Fit on the sentences ``rows`` of ``counted`` (truth, weights and known given for those rows) and
    export (vocabulary, idf) per block, coefficients and intercepts."""
    return export_fit(fit_counted(counted, rows, truth, C, weights, known))


def fit_counted(counted: tuple[CountedTexts, ...], rows: np.ndarray, truth: np.ndarray, C: float,
                weights: np.ndarray | None = None, known: np.ndarray | None = None):
    """fit_sklearn on the texts ``rows`` of ``counted`` (count_texts), from the n-grams counted for
    cross-validation: the same vectorizers, matrix and classifiers, without analysing the texts again."""
    from scipy import sparse

    fitted = [block.fit_vectorizer(rows) for block in counted]
    X = sparse.hstack([matrix for _, matrix in fitted]).tocsr()
    classifiers = [_fit_frame(C, X, truth[:, j], weights, None if known is None else known[:, j])
                   for j in range(truth.shape[1])]
    return [vectorizer for vectorizer, _ in fitted], classifiers


def export_fit(fitted):
    """(vocabulary, idf) per block, coefficients and intercepts of a fit_sklearn result, as a model holds them."""
    vectorizers, classifiers = fitted
    blocks = []
    for v in vectorizers:
        vocab = sorted(v.vocabulary_, key=v.vocabulary_.get)
        blocks.append((vocab, np.asarray(v.idf_, dtype=np.float64)))
    coef = np.vstack([c.coef_[0] for c in classifiers]).astype(np.float64)
    intercept = np.array([c.intercept_[0] for c in classifiers], dtype=np.float64)
    return blocks, coef, intercept


def _fold_logits(counted: tuple[CountedTexts, ...], truth: np.ndarray, kinds: np.ndarray, train_idx: np.ndarray,
                 test_idx: np.ndarray, c_grid: tuple[float, ...], written_weights: tuple[float, ...],
                 known: np.ndarray | None = None, extra_idx: np.ndarray | None = None
                 ) -> dict[tuple[float, float], tuple]:
    """One fold, for every (C, written weight): logits of the test rows, the fitted intercepts, and
    logits of the rows ``extra_idx`` of ``counted`` (the sentences of the labelled articles whose
    documents are in this fold's test part), so that the article rule is chosen without fitting the
    folds again. ``counted``: the texts' n-grams per feature block (count_texts), training rows first."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # the same bits in any process, whatever its thread pools (see train)
        return _fold(counted, truth, kinds, train_idx, test_idx, c_grid, written_weights, known, extra_idx)


def _fold(counted: tuple[CountedTexts, ...], truth: np.ndarray, kinds: np.ndarray, train_idx: np.ndarray,
          test_idx: np.ndarray, c_grid: tuple[float, ...], written_weights: tuple[float, ...],
          known: np.ndarray | None, extra_idx: np.ndarray | None) -> dict[tuple[float, float], tuple]:
    """_fold_logits's work, in whatever thread pools the caller set."""
    from scipy import sparse

    out: dict[tuple[float, float], tuple] = {}
    n_extra = 0 if extra_idx is None else len(extra_idx)
    # The vocabulary depends only on which rows are in, so weights > 0 share one fit.
    for keep_written in sorted({w > 0 for w in written_weights}, reverse=True):
        rows = train_idx if keep_written else train_idx[kinds[train_idx] != "written"]
        blocks = [block.fit_transform(rows, others=(test_idx, extra_idx if n_extra else None)) for block in counted]
        X_train, X_test, X_extra = (sparse.hstack(part).tocsr() if part[0] is not None else None
                                    for part in zip(*blocks))
        for w in (w for w in written_weights if (w > 0) == keep_written):
            weights = sample_weights(kinds[rows], w)
            for C in c_grid:
                logits = np.zeros((len(test_idx), truth.shape[1]))
                intercepts = np.zeros(truth.shape[1])
                extra = np.zeros((n_extra, truth.shape[1]))
                for j in range(truth.shape[1]):
                    fitted = _fit_frame(C, X_train, truth[rows, j], weights, None if known is None else known[rows, j])
                    logits[:, j] = fitted.decision_function(X_test)
                    intercepts[j] = fitted.intercept_[0]
                    if X_extra is not None:
                        extra[:, j] = fitted.decision_function(X_extra)
                out[(C, w)] = (logits, intercepts, extra)
    return out


@dataclass(frozen=True, eq=False)
class CountedTexts:
    """Every text's n-grams of one feature block, found once by scikit-learn's own analyzer for all
    the folds (each fold's TfidfVectorizer would analyse the same sentences again).

    For text i, ids[starts[i]:starts[i + 1]] are its distinct terms (indexes into ``terms``) in the
    order it first meets them and counts[...] how often each occurs: what CountVectorizer counts.
    fit_transform rebuilds a fold's tf-idf matrices from them with scikit-learn's own steps, entry
    for entry the matrices TfidfVectorizer makes (tests/test_training_counts.py compares them).
    """

    spec: FeatureSpec
    terms: list[str]
    starts: np.ndarray
    ids: np.ndarray
    counts: np.ndarray

    def _rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (term id, count) entries of the texts ``rows`` in order, and the CSR row pointer."""
        lengths = self.starts[rows + 1] - self.starts[rows]
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        positions = np.repeat(self.starts[rows] - indptr[:-1], lengths) + np.arange(indptr[-1])
        return self.ids[positions], self.counts[positions], indptr

    def fit_transform(self, rows: np.ndarray, others: tuple[np.ndarray | None, ...] = ()) -> list:
        """TfidfVectorizer(spec).fit_transform of the texts ``rows``, then its transform of each of
        ``others`` (None stays None): CountVectorizer's steps, then scikit-learn's TfidfTransformer."""
        X, kept, tfidf = self._fit(np.asarray(rows))
        column = np.full(len(self.terms), -1, dtype=np.int64)
        column[kept] = np.arange(len(kept))
        return [tfidf.transform(X, copy=False)] + [None if other is None else tfidf.transform(
            self._transform_counts(np.asarray(other), column), copy=False) for other in others]

    def fit_vectorizer(self, rows: np.ndarray):
        """A TfidfVectorizer(spec) as fitting it on the texts ``rows`` leaves it (its vocabulary and
        idf), and its tf-idf matrix of them, without analysing the texts again."""
        X, kept, tfidf = self._fit(np.asarray(rows))
        vectorizer = _vectorizer(self.spec)
        vectorizer.vocabulary_ = dict(zip(map(self.terms.__getitem__, kept.tolist()), range(len(kept))))
        vectorizer.idf_ = tfidf.idf_
        return vectorizer, tfidf.transform(X, copy=False)

    def _fit(self, rows: np.ndarray):
        """CountVectorizer's count matrix of the texts ``rows`` (terms under min_df dropped, columns in
        the order of the terms' names), the term ids of its columns, and the TfidfTransformer fitted on it."""
        from sklearn.feature_extraction.text import TfidfTransformer

        ids, counts, indptr = self._rows(rows)
        # Columns numbered in the order the fold's texts first meet the terms, as CountVectorizer does.
        found, first = np.unique(ids, return_index=True)
        met = found[np.argsort(first)]
        column = np.empty(len(self.terms), dtype=np.int64)
        column[met] = np.arange(len(met))
        X = _counts_matrix(column[ids], counts, indptr, len(met))
        kept = np.flatnonzero(np.bincount(X.indices, minlength=len(met)) >= MIN_DF)  # min_df; max_df is 1.0
        X = X[:, kept]
        met = met[kept]
        order = sorted(range(len(met)), key=[self.terms[t] for t in met.tolist()].__getitem__)
        alphabetical = np.empty(len(order), dtype=X.indices.dtype)
        alphabetical[order] = np.arange(len(order))
        X.indices = alphabetical.take(X.indices, mode="clip")  # terms sorted by name, entries left in place
        vectorizer = _vectorizer(self.spec)
        tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf, smooth_idf=vectorizer.smooth_idf,
                                 sublinear_tf=vectorizer.sublinear_tf).fit(X)
        return X, met[order], tfidf

    def _transform_counts(self, rows: np.ndarray, column: np.ndarray):
        """CountVectorizer.transform's count matrix of the texts ``rows``: terms outside the fitted
        vocabulary (column -1) dropped."""
        ids, counts, indptr = self._rows(rows)
        columns = column[ids]
        inside = columns >= 0
        kept_before = np.concatenate([[0], np.cumsum(inside)])  # entries kept before each position
        return _counts_matrix(columns[inside], counts[inside], kept_before[indptr], int((column >= 0).sum()))


def _counts_matrix(columns: np.ndarray, counts: np.ndarray, indptr: np.ndarray, n_columns: int):
    """The count matrix as CountVectorizer builds it: int32 indexes, float64 counts, sorted per row."""
    from scipy import sparse

    X = sparse.csr_matrix((counts.astype(np.intc), columns.astype(np.int32), indptr.astype(np.int32)),
                          shape=(len(indptr) - 1, n_columns), dtype=np.float64)
    X.sort_indices()
    return X


def count_feature_sets(texts: list[str], feature_sets: dict[str, tuple[FeatureSpec, ...]] = FEATURE_SETS
                       ) -> dict[str, tuple[CountedTexts, ...]]:
    """count_texts of every block of every feature set."""
    return {name: tuple(count_texts(texts, spec) for spec in specs) for name, specs in feature_sets.items()}


def count_texts(texts: list[str], spec: FeatureSpec) -> CountedTexts:
    """Each text's distinct n-grams (feature block ``spec``, scikit-learn's analyzer) and their counts."""
    analyze = _vectorizer(spec).build_analyzer()
    index: dict[str, int] = {}
    ids: list[int] = []
    counts: list[int] = []
    starts = [0]
    for text in texts:
        counter = Counter(analyze(text))  # keys in the order the text first meets them
        for term in counter:
            if term not in index:
                index[term] = len(index)
        ids.extend(map(index.__getitem__, counter))
        counts.extend(counter.values())
        starts.append(len(ids))
    return CountedTexts(spec, list(index), np.array(starts, dtype=np.int64), np.array(ids, dtype=np.int64),
                        np.array(counts, dtype=np.int64))


def domain_masks(kinds: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of each domain (DOMAINS) that has any; all rows as one domain when none has."""
    masks = {name: np.isin(kinds, members) for name, members in DOMAINS.items()}
    return {name: m for name, m in masks.items() if m.any()} or {"all": np.ones(len(kinds), dtype=bool)}


def domain_scores(truth: np.ndarray, logits: np.ndarray, domains: dict[str, np.ndarray],
                  known: np.ndarray | None = None) -> tuple[tuple[str, float], ...]:
    """Per domain, the mean average precision over the frames with a positive there (on judged rows)."""
    out = []
    for name, rows in domains.items():
        aps = [average_precision(truth[judged(rows, known, j), j], logits[judged(rows, known, j), j])
               for j in range(truth.shape[1]) if truth[judged(rows, known, j), j].any()]
        out.append((name, float(np.mean(aps)) if aps else 0.0))
    return tuple(out)


def shrink(logits: np.ndarray, intercepts: np.ndarray, words: np.ndarray, evidence_words: int) -> np.ndarray:
    """Logits with each sentence's feature evidence scaled by min(1, words / evidence_words), as the model scores."""
    if not evidence_words:
        return logits
    return intercepts + evidence_share(words, evidence_words)[:, None] * (logits - intercepts)


def choose_evidence_words(truth: np.ndarray, logits: np.ndarray, intercepts: np.ndarray, words: np.ndarray,
                          domains: dict[str, np.ndarray], known: np.ndarray | None = None
                          ) -> tuple[int, dict[int, float]]:
    """The EVIDENCE_WORDS value with the best objective, the largest among those within TIE; and each one's objective."""
    scores = {n: float(np.mean([ap for _, ap in domain_scores(truth, shrink(logits, intercepts, words, n), domains, known)]))
              for n in EVIDENCE_WORDS}
    best = max(scores.values())
    return max(n for n, v in scores.items() if v >= best - TIE), scores


def cross_validate(texts: list[str], truth: np.ndarray, kinds: np.ndarray, folds: list,
                   domains: dict[str, np.ndarray] | None = None,
                   feature_sets: dict[str, tuple[FeatureSpec, ...]] = FEATURE_SETS,
                   c_grid: tuple[float, ...] = C_GRID, written_weights: tuple[float, ...] | None = None,
                   known: np.ndarray | None = None, extra_texts: list[tuple[str, ...]] | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   counted: dict[str, tuple[CountedTexts, ...]] | None = None):
    """Out-of-fold logits (and the fold's intercepts per row) for every feature set, C and written
    weight, folds grouped by source; each setting is scored per domain by mean average precision
    over the frames (with ``known``, each frame on the rows that judge it), and by the mean of the
    domains.

    ``extra_texts``: per fold, sentences to score with that fold's models (see _fold_logits); the
    fourth value returned holds their logits, per setting, per fold. ``counted``: count_feature_sets
    of the texts then the extra texts, when the caller has it.

    Folds run in two worker processes from PARALLEL_FROM sentences, else in this process; both give
    the same bits, as every fit runs with one BLAS thread (see train).
    """
    domains = domain_masks(kinds) if domains is None else domains
    extra_texts = extra_texts or [()] * len(folds)
    from joblib import Parallel, delayed

    if written_weights is None:
        written_weights = WRITTEN_WEIGHTS if (kinds == "written").any() and (kinds != "written").any() else (1.0,)
    jobs = [(name, k) for name in feature_sets for k in range(len(folds))]
    # Every sentence is analysed once, not once per fold: the training rows, then each fold's extra texts.
    bounds = np.cumsum([len(texts)] + [len(more) for more in extra_texts])
    extra_rows = [np.arange(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    if counted is None:
        counted = count_feature_sets(list(texts) + [t for more in extra_texts for t in more], feature_sets)
    results = []
    workers = min(2, len(jobs)) if len(texts) >= PARALLEL_FROM else 1
    for result in Parallel(n_jobs=workers, return_as="generator")(
        delayed(_fold_logits)(counted[name], truth, kinds, folds[k][0], folds[k][1], c_grid, written_weights,
                              known, extra_rows[k])
            for name, k in jobs):
        results.append(result)
        if progress is not None:
            progress(len(results), len(jobs))
    oof: dict[tuple[str, float, float], np.ndarray] = {}
    intercepts: dict[tuple[str, float, float], np.ndarray] = {}
    extra: dict[tuple[str, float, float], list] = {}
    for (name, k), fold in zip(jobs, results):
        for (C, w), (logits, b, more) in fold.items():
            oof.setdefault((name, C, w), np.zeros(truth.shape))[folds[k][1]] = logits
            intercepts.setdefault((name, C, w), np.zeros(truth.shape))[folds[k][1]] = b
            extra.setdefault((name, C, w), [None] * len(folds))[k] = (more, b)
    candidates = []
    for (name, C, w), p in oof.items():
        per_domain = domain_scores(truth, p, domains, known)
        candidates.append(Candidate(name, C, float(np.mean([ap for _, ap in per_domain])), w, per_domain))
    order = {name: i for i, name in enumerate(feature_sets)}
    candidates.sort(key=lambda c: (order[c.features], c.C, -c.written_weight))
    return candidates, oof, intercepts, extra


def choose(candidates: list[Candidate]) -> Candidate:
    """The cheapest setting whose mean AP is within TIE of the best (candidates are in cost order)."""
    best = max(c.mean_ap for c in candidates)
    return next(c for c in candidates if c.mean_ap >= best - TIE)


def fit_calibration(truth: np.ndarray, logits: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
    """Per frame (a, b) so that sigmoid(a * logit + b) matches the real positive rate (Platt scaling
    on out-of-fold logits), undoing the optimism of balanced class weights; with ``known``, each frame
    on the rows that judge it."""
    from sklearn.linear_model import LogisticRegression

    pairs = []
    for j in range(truth.shape[1]):
        rows = slice(None) if known is None else known[:, j]
        model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000).fit(logits[rows][:, [j]], truth[rows, j])
        pairs.append((float(model.coef_[0, 0]), float(model.intercept_[0])))
    return np.array(pairs, dtype=np.float64)


def calibrate(logits: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Calibrated probabilities from logits, as the model scores them."""
    return np.exp(-np.logaddexp(0.0, -(logits * calibration[:, 0] + calibration[:, 1])))


def article_plan(articles: list[LabelledArticle], groups: np.ndarray, folds: list) -> tuple[np.ndarray, list[list[str]]]:
    """Each article's fold (its document's, or one chosen by its id when no sentence of it is
    labelled) and its counted sentences (fragments left out, as the verdict does)."""
    fold_of_group = {g: k for k, (_, test) in enumerate(folds) for g in set(groups[test])}
    assigned = np.array([fold_of_group.get(a.source, int(article_folds([a.source], len(folds))[0])) for a in articles],
                        dtype=np.int64)
    return assigned, [[s.text for s in split_sentences(a.text) if not is_fragment(s.text)] for a in articles]


def oof_articles(fold_logits: list, assigned: np.ndarray, sentences: list[list[str]], calibration: np.ndarray,
                 evidence_words: int = 0) -> list[np.ndarray]:
    """Each article's counted sentences' probabilities from the model of its fold, which never saw
    its document: ``fold_logits`` holds, per fold, the logits of its articles' sentences in order
    and the fold's intercepts (from cross_validate)."""
    out: list[np.ndarray] = [np.zeros((0, len(calibration)))] * len(sentences)
    for k, entry in enumerate(fold_logits):
        members = np.flatnonzero(assigned == k)
        if not len(members) or entry is None:
            continue
        logits, intercepts = entry
        words = np.array([word_count(t) for i in members for t in sentences[i]], dtype=np.float64)
        probabilities = calibrate(shrink(logits, intercepts, words, evidence_words), calibration)
        bounds = np.cumsum([0] + [len(sentences[i]) for i in members])
        for i, a, b in zip(members, bounds[:-1], bounds[1:]):
            out[i] = probabilities[a:b]
    return out


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
    """The metrics.json written beside a model: scores at four levels, the choices made, counts, hash, versions, date."""
    report = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "out_of_fold": result.evaluation.to_dict(),
        "out_of_fold_real": result.real.to_dict() if result.real else None,
        "out_of_fold_by_domain": {name: e.to_dict() for name, e in result.by_domain.items()},
        "evidence_words": {"chosen": result.evidence_words,
                           "objective": {str(n): v for n, v in result.evidence_scores.items()}},
        "heldout_sentences": result.heldout.to_dict() if result.heldout else None,
        "heldout_articles": result.heldout_articles.to_dict() if result.heldout_articles else None,
        "heldout_sentences_by_sample": {k: e.to_dict() for k, e in result.heldout_by_sample.items()},
        "heldout_documents": result.n_heldout_documents,
        "reliability": result.reliability,
        "thresholds": result.thresholds,
        "chosen": {"features": result.chosen.features, "C": result.chosen.C,
                   "written_weight": result.chosen.written_weight, "mean_ap": result.chosen.mean_ap},
        "candidates": [{"features": c.features, "C": c.C, "written_weight": c.written_weight, "mean_ap": c.mean_ap,
                        "mean_ap_by_domain": dict(c.domain_ap)} for c in result.candidates],
        "article_rule": ({"chosen": result.rule.rule.to_json(), "n_articles": result.rule.n_articles,
                          "rates": result.rule.rates,
                          "candidates": [{"kind": s.kind, "beta": s.beta, "macro_f1": s.macro_f1,
                                          "false_alarm": s.false_alarm}
                                         for s in result.rule.scores]} if result.rule else None),
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
