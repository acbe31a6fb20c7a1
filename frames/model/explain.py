"""Exact explanations of the linear model: each frame's logit split into intercept + one part per n-gram.

A sentence's logit for a frame is its intercept plus, for each feature block, the block's tf-idf
vector dotted with the frame's coefficients. So every n-gram present contributes exactly its
tf-idf value times its coefficient, and the parts add up to the logit the scoring path computes
(`Model.decision_function`), to rounding. The probability shown beside it is the model's own
(`Model.predict_proba`), so it stays right whether or not the model calibrates its logits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frames.errors import ArticleError, FramesError
from frames.model.features import tfidf_values
from frames.model.scoring import Model
from frames.text.sentences import Sentence, split_sentences

VISIBLE_SPACE = "\u2423"  # ␣: the word edge that char_wb n-grams carry, made visible
ANALYZER_NAMES = {"word": "word n-gram", "char_wb": "character n-gram (within words)"}


@dataclass(frozen=True)
class Contribution:
    """One n-gram's part of a frame's logit.

    term: the n-gram as a reader reads it (a char_wb n-gram shows word edges as ␣); raw: the
    vocabulary entry itself; analyzer: "word" or "char_wb"; count: times it occurs in the sentence;
    tfidf: its tf-idf value in the sentence; coefficient: the frame's weight for it;
    value: tfidf * coefficient, its part of the logit.
    """

    term: str
    raw: str
    analyzer: str
    count: int
    tfidf: float
    coefficient: float
    value: float

    def to_dict(self) -> dict:
        return {"term": self.term, "raw": self.raw, "analyzer": self.analyzer, "count": self.count,
                "tfidf": self.tfidf, "coefficient": self.coefficient, "contribution": self.value}


@dataclass(frozen=True)
class FrameExplanation:
    """One frame's logit for one sentence: intercept + sum(towards) + sum(away) + rest == logit.

    towards / away: the n-grams pushing towards / away from the frame, strongest first, at most
    ``top`` of each; rest: the sum of the n_rest contributions not listed (0.0 when all are);
    by_analyzer: per feature block, its analyzer and the sum of all its n-grams' contributions
    (so intercept + these sums is the logit too); probability: the model's probability for the
    frame; present: probability >= threshold.
    """

    id: str
    name: str
    logit: float
    intercept: float
    probability: float
    threshold: float
    present: bool
    towards: tuple[Contribution, ...]
    away: tuple[Contribution, ...]
    rest: float
    n_rest: int
    by_analyzer: tuple[tuple[str, float], ...]

    @property
    def parts_sum(self) -> float:
        """intercept + every listed contribution + rest: equal to ``logit`` to rounding."""
        return self.intercept + sum(c.value for c in self.towards) + sum(c.value for c in self.away) + self.rest

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "probability": self.probability, "threshold": self.threshold,
                "present": self.present, "logit": self.logit, "intercept": self.intercept,
                "towards": [c.to_dict() for c in self.towards], "away": [c.to_dict() for c in self.away],
                "rest": {"contribution": self.rest, "n_terms": self.n_rest},
                "by_analyzer": [{"analyzer": a, "contribution": v} for a, v in self.by_analyzer]}


@dataclass(frozen=True)
class SentenceExplanation:
    """A sentence and, for each frame asked about (model order), its logit split into parts."""

    text: str
    frames: tuple[FrameExplanation, ...]

    def to_dict(self) -> dict:
        return {"text": self.text, "frames": [f.to_dict() for f in self.frames]}


@dataclass(frozen=True)
class Weight:
    """One n-gram's coefficient for a frame, model-wide (see Contribution for term and raw)."""

    term: str
    raw: str
    analyzer: str
    coefficient: float

    def to_dict(self) -> dict:
        return {"term": self.term, "raw": self.raw, "analyzer": self.analyzer, "coefficient": self.coefficient}


@dataclass(frozen=True)
class FrameWeights:
    """The model's own picture of a frame: its n-grams with the largest positive and negative coefficients.

    positive: strongest first (largest coefficient); negative: strongest first (most negative).
    """

    id: str
    name: str
    intercept: float
    positive: tuple[Weight, ...]
    negative: tuple[Weight, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "intercept": self.intercept,
                "positive": [w.to_dict() for w in self.positive], "negative": [w.to_dict() for w in self.negative]}


def shown(raw: str, analyzer: str) -> str:
    """An n-gram as a reader reads it: char_wb n-grams with their word-edge spaces made visible."""
    return raw.replace(" ", VISIBLE_SPACE) if analyzer == "char_wb" else raw


def frame_indexes(model: Model, frame: str | None) -> list[int]:
    """The score columns of the frames asked about: all of them, or the one named (else a FramesError)."""
    if frame is None:
        return list(range(len(model.frames)))
    if frame not in model.frames:
        raise FramesError(f"unknown frame {frame!r}; this model has {', '.join(model.frames)}")
    return [model.frames.index(frame)]


def article_sentence(text: str, index: int, name: str = "<text>") -> Sentence:
    """Sentence ``index`` of an article, split and numbered from 0 exactly as `frames classify` does."""
    sentences = split_sentences(text)
    if not sentences:
        raise ArticleError(f"{name}: no sentences found (only numbers, symbols or blank lines)")
    if not 0 <= index < len(sentences):
        raise FramesError(f"{name}: has {len(sentences)} sentence{'' if len(sentences) == 1 else 's'}, numbered 0 to "
                          f"{len(sentences) - 1}; ask for one of those (`frames classify --json` lists them)")
    return sentences[index]


def explain(model: Model, sentence: str, frame: str | None = None, top: int | None = 10) -> SentenceExplanation:
    """Each frame's logit for one sentence, split exactly into intercept + one part per n-gram.

    A function of the model rather than a method, so that scoring never imports explanations.
    """
    return explain_sentences(model, [sentence], frame, top)[0]


def explain_sentences(model: Model, texts: list[str], frame: str | None = None,
                      top: int | None = 10) -> tuple[SentenceExplanation, ...]:
    """Explain each sentence's logit for each frame (or the one named), listing ``top`` n-grams each way.

    top=None lists every n-gram present, so that rest is 0.0 and the listed parts alone sum to the logit.
    """
    if top is not None and top < 0:
        raise FramesError(f"top must be 0 or more, got {top}")
    texts = list(texts)
    columns = frame_indexes(model, frame)
    out: list[SentenceExplanation] = []
    for start in range(0, len(texts), model.CHUNK):
        out.extend(_explain_chunk(model, texts[start:start + model.CHUNK], columns, top))
    return tuple(out)


def _explain_chunk(model: Model, texts: list[str], columns: list[int], top: int | None) -> list[SentenceExplanation]:
    logits = model.decision_function(texts).tolist()
    probabilities = model.predict_proba(texts).tolist()
    terms = _sentence_terms(model, texts, columns)
    n = len(texts)
    named = _Named(model, terms)
    analyzers = [spec.analyzer for spec in model.data.features]
    cells = terms.rows * len(analyzers) + terms.blocks  # one cell per (sentence, feature block)
    per_frame = []
    for k in range(len(columns)):
        values = terms.values[:, k]
        towards = _ranked(terms.rows, -values, values > 0, top, n)
        away = _ranked(terms.rows, values, values < 0, top, n)
        unlisted = np.ones(len(values), dtype=bool)
        unlisted[towards[0]] = unlisted[away[0]] = False
        rest = np.bincount(terms.rows[unlisted], weights=values[unlisted], minlength=n).astype(float).tolist()
        n_rest = np.bincount(terms.rows[unlisted], minlength=n).tolist()
        block_sums = np.bincount(cells, weights=values, minlength=n * len(analyzers)).reshape(n, -1).tolist()
        coefficients = terms.coefficients[:, k]
        per_frame.append((named.per_sentence(*towards, coefficients, values),
                          named.per_sentence(*away, coefficients, values), rest, n_rest, block_sums))
    explained = []
    for i, text in enumerate(texts):
        frames = []
        for k, j in enumerate(columns):
            towards, away, rest, n_rest, block_sums = per_frame[k]
            threshold = float(model.thresholds[j])
            frames.append(FrameExplanation(
                id=model.frames[j], name=model.frame_names[j], logit=logits[i][j],
                intercept=float(model.data.intercept[j]), probability=probabilities[i][j], threshold=threshold,
                present=probabilities[i][j] >= threshold,
                towards=towards[i], away=away[i],
                rest=rest[i], n_rest=n_rest[i], by_analyzer=tuple(zip(analyzers, block_sums[i]))))
        explained.append(SentenceExplanation(text, tuple(frames)))
    return explained


@dataclass(frozen=True, eq=False)
class _Terms:
    """Every term of every feature block in a chunk of sentences, sorted by sentence (rows)."""

    rows: np.ndarray
    blocks: np.ndarray
    columns: np.ndarray
    counts: np.ndarray
    tfidf: np.ndarray
    coefficients: np.ndarray  # (n_terms, len(frames asked about))
    values: np.ndarray  # tfidf * coefficients, the same shape


def _sentence_terms(model: Model, texts: list[str], columns: list[int]) -> _Terms:
    parts = []
    offset = 0
    scale = model.evidence_scale(texts)  # short sentences keep a share of their evidence, as in the logit
    for b, found in enumerate(model.featurizer.terms(texts)):
        tfidf = tfidf_values(found, model.data.idfs[b], len(texts))
        coef = model.data.coef[np.ix_(columns, offset + found.columns)].T
        parts.append((found.rows, np.full(len(found.rows), b), found.columns, found.counts, tfidf, coef,
                      tfidf[:, None] * coef * scale[found.rows][:, None]))
        offset += model.data.features[b].size
    order = np.argsort(np.concatenate([p[0] for p in parts]), kind="stable")
    return _Terms(*(np.concatenate(p)[order] for p in zip(*parts)))


def _ranked(rows: np.ndarray, key: np.ndarray, keep: np.ndarray, top: int | None, n: int) -> tuple[np.ndarray, list[int]]:
    """The indexes of the kept terms grouped by sentence, each sentence's in ascending ``key`` order
    and at most ``top`` of them; and where each sentence's start (n + 1 bounds, the last the end)."""
    kept = np.flatnonzero(keep)
    by_key = kept[np.argsort(key[kept])]
    # Then by sentence, keeping the key order: a stable sort of 16-bit ints is a radix sort, the fastest.
    order = by_key[np.argsort(rows[by_key].astype(np.int16 if n < 2**15 else np.int64), kind="stable")]
    if top is not None:
        r = rows[order]
        rank = np.arange(len(order)) - np.searchsorted(r, r, side="left")
        order = order[rank < top]
    return order, np.searchsorted(rows[order], np.arange(n + 1)).tolist()


class _Named:
    """Builds Contributions for terms of a chunk: each term's name is looked up once per chunk, and
    the fields of many terms are gathered with numpy and passed to Contribution by map, in C."""

    def __init__(self, model: Model, terms: _Terms):
        self.analyzers = [spec.analyzer for spec in model.data.features]
        self.vocabularies = model.data.vocabularies
        self.terms = terms
        self.stride = max(spec.size for spec in model.data.features) + 1  # (block, column) as one int key
        self.names: dict[int, tuple[str, str, str]] = {}

    def per_sentence(self, indexes: np.ndarray, bounds: list[int], coefficients: np.ndarray,
                     values: np.ndarray) -> list[tuple[Contribution, ...]]:
        """The Contributions of the terms ``indexes``, one tuple per sentence (``bounds`` from _ranked)."""
        terms, names = self.terms, self.names
        keys = (terms.blocks[indexes] * self.stride + terms.columns[indexes]).tolist()
        for key in set(keys).difference(names):
            block, column = divmod(key, self.stride)
            raw = self.vocabularies[block][column]
            names[key] = (shown(raw, self.analyzers[block]), raw, self.analyzers[block])
        shown_terms, raws, analyzers = zip(*map(names.__getitem__, keys)) if keys else ((), (), ())
        made = list(map(Contribution, shown_terms, raws, analyzers, terms.counts[indexes].tolist(),
                        terms.tfidf[indexes].tolist(), coefficients[indexes].tolist(), values[indexes].tolist()))
        return [tuple(made[a:b]) for a, b in zip(bounds, bounds[1:])]


def frame_weights(model: Model, frame: str, top: int = 20) -> FrameWeights:
    """The ``top`` n-grams with the largest positive and the largest negative coefficients for a frame."""
    if top < 1:
        raise FramesError(f"top must be 1 or more, got {top}")
    (j,) = frame_indexes(model, frame)
    row = model.data.coef[j]
    order = np.argsort(-row, kind="stable")
    positive = order[row[order] > 0][:top]
    negative = order[row[order] < 0][::-1][:top]
    starts = np.cumsum([0] + [spec.size for spec in model.data.features])

    def weight(column: int) -> Weight:
        b = int(np.searchsorted(starts, column, side="right")) - 1
        analyzer = model.data.features[b].analyzer
        raw = model.data.vocabularies[b][column - int(starts[b])]
        return Weight(shown(raw, analyzer), raw, analyzer, float(row[column]))

    return FrameWeights(model.frames[j], model.frame_names[j], float(model.data.intercept[j]),
                        tuple(weight(c) for c in positive.tolist()), tuple(weight(c) for c in negative.tolist()))
