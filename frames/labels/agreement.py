"""Sentences labelled by several annotators: how far they agree, and the one label training uses."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from frames.labels.store import LabelledSentence, normalise

SETTLE_RULE = ('a row marked "settled": true wins; otherwise each frame is kept if more than half of the '
               "sentence's annotators gave it (a tie counts as absent)")
# The same rule where some rows are partial (see LabelledSentence.known); stored with a model only then,
# so that a model trained on complete rows keeps its metadata.
PARTIAL_RULE = (SETTLE_RULE + "; an annotator whose rows do not judge a frame does not vote on it, "
                "and a frame nobody judged stays unknown")
UNNAMED = "(unnamed)"


@dataclass(frozen=True)
class FrameAgreement:
    """Agreement on one frame: Cohen's kappa for two annotators, Krippendorff's alpha for more.

    value is None when the statistic is undefined (every label the same, or nothing shared).
    """

    frame: str
    statistic: str
    value: float | None
    n: int  # sentences on which at least two annotators judged this frame


@dataclass(frozen=True)
class Judgement:
    """What one annotator said of a sentence: the frames present and, for partial rows, the frames
    judged at all (known None: every frame, the ones not in frames being absent)."""

    frames: tuple[str, ...]
    known: frozenset[str] | None = None

    def says(self, frame: str) -> bool | None:
        """True (present), False (absent) or None (not judged)."""
        if self.known is not None and frame not in self.known:
            return None
        return frame in self.frames


@dataclass(frozen=True)
class Disagreement:
    """A sentence the annotators labelled differently, with each one's frames."""

    text: str
    source: str
    labels: tuple[tuple[str, tuple[str, ...]], ...]  # (annotator, frames), in annotator order
    settled: tuple[str, ...] | None  # the settled label, if a row settles it
    known: tuple[tuple[str, tuple[str, ...] | None], ...] = ()  # (annotator, frames judged; None: all)


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


def _by_annotator(rows: list[LabelledSentence]) -> dict[str, Judgement]:
    """Each annotator's label of a sentence (settled rows left out): their first complete row, or
    their partial rows taken together (the first word on a frame stands)."""
    labels: dict[str, Judgement] = {}
    for row in rows:
        if row.settled:
            continue
        name = row.annotator or UNNAMED
        before = labels.get(name)
        if before is None:
            known = None if row.known is None else frozenset(row.known)
            labels[name] = Judgement(tuple(sorted(row.frames)), known)
        elif before.known is not None:  # partial so far: add what this row judges that the others did not
            new = set(row.known) if row.known is not None else None
            added = [f for f in row.frames if before.says(f) is None]
            known = None if new is None else before.known | new
            labels[name] = Judgement(tuple(sorted(before.frames + tuple(added))), known)
    return labels


def settle(sentences: list[LabelledSentence] | tuple[LabelledSentence, ...]) -> tuple[list[LabelledSentence], Settled]:
    """One label per sentence, by SETTLE_RULE (PARTIAL_RULE with partial rows); sentences keep their first row's
    text and source."""
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
            only = next(iter(labels.values()), None)
            merged = only is not None and only.known is not None and len(rows) > 1
            out.append(replace(rows[0], frames=only.frames, known=tuple(sorted(only.known))) if merged else rows[0])
            continue
        n_multi += 1
        votes: dict[str, int] = {}
        for judgement in labels.values():
            for frame in judgement.frames:
                votes[frame] = votes.get(frame, 0) + 1
        voters = {frame: sum(j.says(frame) is not None for j in labels.values()) for frame in votes}
        n_ties += sum(1 for f, v in votes.items() if 2 * v == voters[f])
        kept = tuple(f for f, v in votes.items() if 2 * v > voters[f])
        partial = [j.known for j in labels.values()]
        known = None if any(k is None for k in partial) else tuple(sorted(frozenset().union(*partial)))
        first = rows[0]
        out.append(replace(first, frames=kept, annotator=None, settled=True, known=known))
    partial = any(s.known is not None for s in sentences)
    return out, Settled(n_multi, n_ties, n_settled, PARTIAL_RULE if partial else SETTLE_RULE)


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
        # an annotator who did not judge the frame neither agrees nor disagrees on it
        units = [[v for v in (j.says(frame) for j in labels.values()) if v is not None] for _, labels, _ in shared]
        n = sum(len(u) >= 2 for u in units)
        if len(annotators) == 2:
            pairs = [(labels[annotators[0]].says(frame), labels[annotators[1]].says(frame)) for _, labels, _ in shared]
            pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
            a, b = np.array([p[0] for p in pairs], dtype=bool), np.array([p[1] for p in pairs], dtype=bool)
            results.append(FrameAgreement(frame, "kappa", cohen_kappa(a, b), n))
        else:
            results.append(FrameAgreement(frame, "alpha", krippendorff_alpha([[int(v) for v in u] for u in units]), n))
    disagreements = tuple(
        Disagreement(first.text, first.source, tuple(sorted((a, j.frames) for a, j in labels.items())), settled,
                     tuple(sorted((a, None if j.known is None else tuple(sorted(j.known))) for a, j in labels.items())))
        for first, labels, settled in shared if _disagree(list(labels.values()), frame_ids)
    )
    return AgreementReport(annotators, tuple(results), len(shared), disagreements)


def _disagree(judgements: list[Judgement], frame_ids: tuple[str, ...]) -> bool:
    """Whether two annotators judged some frame differently."""
    frames = set(frame_ids) | {f for j in judgements for f in j.frames}
    return any(len({j.says(f) for j in judgements} - {None}) > 1 for f in frames)
