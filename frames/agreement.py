"""Sentences labelled by several annotators: how far they agree, and the one label training uses."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from frames.labels import LabelledSentence, normalise

SETTLE_RULE = ('a row marked "settled": true wins; otherwise each frame is kept if more than half of the '
               "sentence's annotators gave it (a tie counts as absent)")
UNNAMED = "(unnamed)"


@dataclass(frozen=True)
class FrameAgreement:
    """Agreement on one frame: Cohen's kappa for two annotators, Krippendorff's alpha for more.

    value is None when the statistic is undefined (every label the same, or nothing shared).
    """

    frame: str
    statistic: str
    value: float | None
    n: int  # sentences labelled by at least two annotators


@dataclass(frozen=True)
class Disagreement:
    """A sentence the annotators labelled differently, with each one's frames."""

    text: str
    source: str
    labels: tuple[tuple[str, tuple[str, ...]], ...]  # (annotator, frames), in annotator order
    settled: tuple[str, ...] | None  # the settled label, if a row settles it


@dataclass(frozen=True)
class AgreementReport:
    """Per-frame agreement over the doubly-labelled sentences, and the disagreements to settle."""

    annotators: tuple[str, ...]
    frames: tuple[FrameAgreement, ...]
    n_shared: int
    disagreements: tuple[Disagreement, ...]


@dataclass(frozen=True)
class Settled:
    """What settling did: sentences labelled by several annotators, ties, and settled rows used."""

    n_multi: int
    n_ties: int
    n_settled: int
    rule: str = SETTLE_RULE


def _groups(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...]) -> list[list[LabelledSentence]]:
    """Rows of the same sentence together, in order of first appearance."""
    groups: dict[str, list[LabelledSentence]] = {}
    for sentence in sentences:
        groups.setdefault(normalise(sentence.text), []).append(sentence)
    return list(groups.values())


def _by_annotator(rows: list[LabelledSentence]) -> dict[str, tuple[str, ...]]:
    """Each annotator's first label of a sentence (settled rows left out)."""
    labels: dict[str, tuple[str, ...]] = {}
    for row in rows:
        if not row.settled:
            labels.setdefault(row.annotator or UNNAMED, tuple(sorted(row.frames)))
    return labels


def settle(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...]) -> tuple[list[LabelledSentence], Settled]:
    """One label per sentence, by SETTLE_RULE; sentences keep their first row's text and source."""
    out: list[LabelledSentence] = []
    n_multi = n_ties = n_settled = 0
    for rows in _groups(sentences):
        settled = next((row for row in rows if row.settled), None)
        labels = _by_annotator(rows)
        if settled is not None:
            n_settled += 1
            out.append(settled)
            continue
        if len(labels) < 2:
            out.append(rows[0])
            continue
        n_multi += 1
        votes: dict[str, int] = {}
        for frames in labels.values():
            for frame in frames:
                votes[frame] = votes.get(frame, 0) + 1
        n_ties += sum(1 for v in votes.values() if 2 * v == len(labels))
        kept = tuple(f for f, v in votes.items() if 2 * v > len(labels))
        first = rows[0]
        out.append(replace(first, frames=kept, annotator=None, settled=True))
    return out, Settled(n_multi, n_ties, n_settled)


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa of two annotators' binary labels on the same items."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if not len(a):
        return None
    observed = float(np.mean(a == b))
    pa, pb = float(a.mean()), float(b.mean())
    expected = pa * pb + (1 - pa) * (1 - pb)
    return None if expected == 1.0 else (observed - expected) / (1 - expected)


def krippendorff_alpha(units: list[list[int]]) -> float | None:
    """Krippendorff's alpha (nominal) from each unit's values, one per annotator who labelled it."""
    units = [u for u in units if len(u) >= 2]
    values = sorted({v for u in units for v in u})
    if not units or len(values) < 2:
        return None
    index = {v: i for i, v in enumerate(values)}
    coincidences = np.zeros((len(values), len(values)))
    for unit in units:
        counts = np.bincount([index[v] for v in unit], minlength=len(values)).astype(float)
        coincidences += (np.outer(counts, counts) - np.diag(counts)) / (len(unit) - 1)
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    observed = coincidences.sum() - np.trace(coincidences)
    expected = (n * n - (totals * totals).sum()) / (n - 1)
    return None if expected == 0 else float(1 - observed / expected)


def agreement(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...], frame_ids: tuple[str, ...]) -> AgreementReport:
    """Agreement per frame over sentences labelled by two or more annotators."""
    shared = []
    for rows in _groups(sentences):
        labels = _by_annotator(rows)
        if len(labels) >= 2:
            settled = next((tuple(sorted(r.frames)) for r in rows if r.settled), None)
            shared.append((rows[0], labels, settled))
    annotators = tuple(sorted({a for _, labels, _ in shared for a in labels}))
    results = []
    for frame in frame_ids:
        if len(annotators) == 2:
            a = [frame in labels[annotators[0]] for _, labels, _ in shared]
            b = [frame in labels[annotators[1]] for _, labels, _ in shared]
            results.append(FrameAgreement(frame, "kappa", cohen_kappa(np.array(a), np.array(b)), len(shared)))
        else:
            units = [[int(frame in f) for f in labels.values()] for _, labels, _ in shared]
            results.append(FrameAgreement(frame, "alpha", krippendorff_alpha(units), len(shared)))
    disagreements = tuple(
        Disagreement(first.text, first.source, tuple(sorted(labels.items())), settled)
        for first, labels, settled in shared if len(set(labels.values())) > 1
    )
    return AgreementReport(annotators, tuple(results), len(shared), disagreements)
