"""Choosing the article verdict rule on labelled real articles, by cross-validation.

Each rule kind of frames.model.verdict, with each way of fitting its cuts (BETAS), is scored the
same way: the articles are split into folds by document; on each fold, every frame's cut is chosen
on the other folds (best F-beta, the higher cut among equals) and applied to this one. Among the
settings whose cross-validated rate of flagging no-frame articles is at most RULE_FALSE_ALARM, the
best macro-F1 wins, unless a simpler one is within RULE_TIE of it. The winner's cuts are then
fitted on all articles.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from frames.training.evaluation import score_frames
from frames.model.verdict import BOTH, KINDS, STATISTICS, ArticleRule, decide, rule_values, statistics

# Cross-validated macro-F1 within this much of the best is a tie, won by the simpler rule
# (KINDS is in order of simplicity): with a few hundred articles, F1 moves this much by chance.
RULE_TIE = 0.02
# Precision first: an analyst quotes shares of articles, so a false "present" costs as much as a
# miss. A kind whose cross-validated rate of flagging no-frame articles is above this is chosen
# only when no kind is at or below it.
RULE_FALSE_ALARM = 0.10
# The cut of each frame maximises F-beta on the training articles; beta < 1 weighs precision more.
# F1 alone let every kind flag 12-21% of no-frame articles in cross-validation on the shipped labels.
BETAS = (1.0, 0.7, 0.5)
RULE_FOLDS = 5
MAX_COUNT = 6


@dataclass(frozen=True)
class RuleScore:
    """One rule kind's cross-validated article scores."""

    kind: str
    macro_f1: float
    false_alarm: float | None
    beta: float = 1.0  # the F-beta its cuts were fitted for


@dataclass(frozen=True)
class RuleChoice:
    """The chosen rule (cuts fitted on every article) and how each kind scored."""

    rule: ArticleRule
    scores: tuple[RuleScore, ...]
    n_articles: int
    # Per frame id, the chosen kind's cross-validated article rates: tpr (verdicts on articles that
    # push the frame), fpr (on those that do not) and their counts; trends corrects shares with them.
    rates: dict = field(default_factory=dict)


def article_folds(sources: list[str], n_folds: int = RULE_FOLDS) -> np.ndarray:
    """A fold number per article, from a hash of its document id (stable as articles are added)."""
    return np.array([int.from_bytes(hashlib.sha256(s.encode("utf-8")).digest()[:4], "big") % n_folds
                     for s in sources])


def best_cut(values: np.ndarray, truth: np.ndarray, beta: float = 1.0) -> float:
    """The cut on ``values`` that maximises F-beta of values >= cut (the highest among equals)."""
    if not truth.any() or not len(values):
        return float(values.max()) + 1.0 if len(values) else 1.0  # nothing to find: flag nothing
    order = np.argsort(-values, kind="stable")
    ranked, hits = values[order], truth[order].astype(bool)
    ends = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))  # the last row of each run of equal values
    tp = np.cumsum(hits)[ends]
    f = (1 + beta ** 2) * tp / (ends + 1 + beta ** 2 * hits.sum())
    return float(ranked[ends[int(np.argmax(f))]])  # argmax: the first, i.e. highest, cut among equals


def _logistic_weights(stats: np.ndarray, truth: np.ndarray) -> tuple[float, ...]:
    """Weights of a one-frame logistic regression on the article statistics (intercept last)."""
    from sklearn.linear_model import LogisticRegression

    features = np.column_stack([stats[:, 0], stats[:, 1], np.log1p(stats[:, 2]), stats[:, 3]])
    if truth.all() or not truth.any():
        return (0.0,) * len(STATISTICS) + (10.0 if truth.all() else -10.0,)
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(features, truth)
    return tuple(float(w) for w in model.coef_[0]) + (float(model.intercept_[0]),)


def fit_rule(kind: str, stats: np.ndarray, truth: np.ndarray, beta: float = 1.0) -> ArticleRule:
    """A rule of ``kind`` fitted on articles (cuts by F-beta): stats (n_articles, n_frames, 4), truth (n_articles, n_frames)."""
    n_frames = truth.shape[1]
    if kind == "logistic":
        weights = tuple(_logistic_weights(stats[:, j], truth[:, j]) for j in range(n_frames))
        probe = ArticleRule(kind, (0.5,) * n_frames, weights)
        values = np.array([rule_values(probe, row) for row in stats]).reshape(len(stats), n_frames)
        return ArticleRule(kind, tuple(best_cut(values[:, j], truth[:, j], beta) for j in range(n_frames)), weights)
    if kind == "two_or_strong":
        values = np.where(stats[:, :, 2] >= 2, BOTH, stats[:, :, 0])
        return ArticleRule(kind, tuple(best_cut(values[:, j], truth[:, j], beta) for j in range(n_frames)))
    column = STATISTICS.index(kind)
    values = stats[:, :, column]
    if kind == "count":
        values = np.minimum(values, MAX_COUNT)
    return ArticleRule(kind, tuple(best_cut(values[:, j], truth[:, j], beta) for j in range(n_frames)))


def apply_rule(rule: ArticleRule, stats: np.ndarray) -> np.ndarray:
    """Verdicts (n_articles, n_frames) of a rule on article statistics."""
    return np.array([decide(rule, row) for row in stats], dtype=bool).reshape(stats.shape[0], -1)


def choose_rule(probabilities: list[np.ndarray], truth: np.ndarray, thresholds: np.ndarray,
                sources: list[str], frame_ids: tuple[str, ...] | None = None) -> RuleChoice:
    """The article rule chosen by cross-validation on labelled articles (see the module docstring).

    probabilities: per article, its sentences' out-of-fold probabilities (n_sentences, n_frames).
    """
    stats = np.stack([statistics(p, thresholds) for p in probabilities])  # (n_articles, n_frames, 4)
    folds = article_folds(sources)
    frame_ids = frame_ids or tuple(str(j) for j in range(truth.shape[1]))
    scores, oof = [], {}
    for beta in BETAS:
        for kind in KINDS:
            predicted = np.zeros(truth.shape, dtype=bool)
            for k in np.unique(folds):
                inside = folds == k
                rule = fit_rule(kind, stats[~inside], truth[~inside], beta)
                predicted[inside] = apply_rule(rule, stats[inside])
            evaluation = score_frames(truth, predicted, frame_ids)
            scores.append(RuleScore(kind, evaluation.macro_f1, evaluation.false_alarm, beta))
            oof[(kind, beta)] = predicted
    careful = [s for s in scores if s.false_alarm is not None and s.false_alarm <= RULE_FALSE_ALARM]
    pool = careful or [min(scores, key=lambda s: (s.false_alarm if s.false_alarm is not None else 1.0, -s.macro_f1))]
    best = max(s.macro_f1 for s in pool)
    winner = next(s for s in pool if s.macro_f1 >= best - RULE_TIE)
    return RuleChoice(fit_rule(winner.kind, stats, truth, winner.beta), tuple(scores), len(probabilities),
                      article_rates(truth, oof[(winner.kind, winner.beta)], frame_ids))


def article_rates(truth: np.ndarray, predicted: np.ndarray, frame_ids: tuple[str, ...]) -> dict:
    """Per frame, the rate of "present" verdicts on articles that push it (tpr) and on those that do not (fpr)."""
    out = {}
    for j, fid in enumerate(frame_ids):
        pos, neg = truth[:, j].astype(bool), ~truth[:, j].astype(bool)
        out[fid] = {"tpr": float(predicted[pos, j].mean()) if pos.any() else None,
                    "fpr": float(predicted[neg, j].mean()) if neg.any() else None,
                    "positives": int(pos.sum()), "negatives": int(neg.sum())}
    return out
