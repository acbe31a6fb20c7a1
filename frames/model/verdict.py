"""The article verdict: from an article's sentence probabilities to "this article pushes the frame".

One sentence over the sentence threshold is a weak sign in a long article: almost every long
article has one. So the verdict is a rule chosen by cross-validation on labelled real articles
(see frames.training.fit) among a few simple ones, each reading the same statistics per frame:

- max:      the highest sentence probability >= cut
- count:    the number of sentences over the sentence threshold >= cut
- share:    the share of sentences over the sentence threshold >= cut
- top_mean: the mean of the top k sentence probabilities >= cut
- logistic: a per-frame logistic regression on the four statistics, probability >= 0.5
- two_or_strong: two sentences over the sentence threshold, or one whose probability >= cut

Fragments (frames.text.fragments: headings, bylines, "Read more" lines, one to three words) are
left out of the statistics: they are scored, but cannot make a verdict on their own.

The rule is stored in model.json as plain numbers, like everything else in a model folder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("max", "count", "share", "top_mean", "logistic", "two_or_strong")
BOTH = 2.0  # the two_or_strong value of an article with two sentences over threshold: above any cut
TOP_K = 3  # sentences averaged by top_mean, and by the top-mean statistic the logistic rule reads
STATISTICS = ("max", "top_mean", "count", "share")


@dataclass(frozen=True)
class ArticleRule:
    """A verdict rule: its kind and, per frame, the cut on its statistic (or logistic weights).

    weights, for the logistic kind only: per frame, one weight per STATISTICS entry (count read
    as log(1 + count)) and an intercept last.
    """

    kind: str
    cuts: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...] = ()

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind, "cuts": [float(c) for c in self.cuts]}
        if self.weights:
            out["weights"] = [[float(w) for w in row] for row in self.weights]
        return out


def legacy_rule(n_frames: int) -> ArticleRule:
    """The rule of models trained before verdict rules: present when one sentence is over threshold."""
    return ArticleRule("count", (1.0,) * n_frames)


def statistics(probabilities: np.ndarray, thresholds: np.ndarray, counted: np.ndarray | None = None) -> np.ndarray:
    """Per frame (rows) the max, mean of the top TOP_K, count over threshold and share over threshold,
    over the sentences ``counted`` may mark (a boolean mask; None: all)."""
    if counted is not None:
        probabilities = probabilities[counted]
    n = probabilities.shape[0]
    over = probabilities >= thresholds
    k = min(TOP_K, n)
    top = -np.sort(-probabilities, axis=0)[:k] if n else np.zeros((1, probabilities.shape[1]))
    return np.column_stack([
        probabilities.max(axis=0) if n else np.zeros(probabilities.shape[1]),
        top.mean(axis=0),
        over.sum(axis=0).astype(np.float64),
        over.mean(axis=0) if n else np.zeros(probabilities.shape[1]),
    ])


def rule_values(rule: ArticleRule, stats: np.ndarray) -> np.ndarray:
    """The number each frame's cut is compared with: its statistic, or the logistic probability."""
    if rule.kind == "logistic":
        w = np.asarray(rule.weights, dtype=np.float64)
        features = np.column_stack([stats[:, 0], stats[:, 1], np.log1p(stats[:, 2]), stats[:, 3]])
        return 1.0 / (1.0 + np.exp(-((features * w[:, :-1]).sum(axis=1) + w[:, -1])))
    if rule.kind == "two_or_strong":
        return np.where(stats[:, 2] >= 2, BOTH, stats[:, 0])
    return stats[:, STATISTICS.index(rule.kind)]


def decide(rule: ArticleRule, stats: np.ndarray) -> np.ndarray:
    """Whether the article pushes each frame, by the rule."""
    return rule_values(rule, stats) >= np.asarray(rule.cuts)


def reason(rule: ArticleRule, stats_row: np.ndarray, cut: float, present: bool, threshold: float | None = None) -> str:
    """What the rule saw for one frame, in words: e.g. '4 sentences over threshold 0.30 (share 0.12); needs 2'.

    The sentence threshold is named beside the rule's cut, so that a verdict whose cut differs
    from the threshold (max, top_mean) shows both."""
    count, share = int(stats_row[2]), float(stats_row[3])
    at = "" if threshold is None else f" {threshold:.2f}"
    seen = f"{count} sentence{'' if count == 1 else 's'} over threshold{at} (share {share:.2f}), max {stats_row[0]:.2f}"
    needs = {
        "max": f"the highest sentence score must reach {cut:.2f}",
        "count": f"needs {int(np.ceil(cut))} sentence{'' if np.ceil(cut) == 1 else 's'} over threshold",
        "share": f"needs a share of {cut:.2f}",
        "top_mean": f"the mean of the top {TOP_K} scores ({stats_row[1]:.2f}) must reach {cut:.2f}",
        "logistic": "the article model's probability must reach 0.50",
        "two_or_strong": f"needs 2 sentences over threshold, or one scoring {cut:.2f}",
    }[rule.kind]
    return f"{'present' if present else 'absent'}: {seen}; {needs}"


def check_rule(raw: object, n_frames: int) -> ArticleRule | None:
    """An ArticleRule from its JSON form, or None if the JSON is not one (the caller reports it)."""
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        return None
    cuts = raw.get("cuts")
    if not isinstance(cuts, list) or len(cuts) != n_frames or not all(_finite(c) for c in cuts):
        return None
    weights = raw.get("weights", [])
    if raw["kind"] == "logistic":
        if (not isinstance(weights, list) or len(weights) != n_frames
                or not all(isinstance(r, list) and len(r) == len(STATISTICS) + 1 and all(_finite(w) for w in r)
                           for r in weights)):
            return None
    elif weights:
        return None
    return ArticleRule(raw["kind"], tuple(float(c) for c in cuts), tuple(tuple(float(w) for w in r) for r in weights))


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bool(np.isfinite(value))
