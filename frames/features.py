"""TF-IDF features computed with numpy alone, exactly as scikit-learn's TfidfVectorizer does.

Scoring must not import scikit-learn (its import alone costs seconds), so the analyzers below
reproduce TfidfVectorizer's word and char_wb analyzers term for term; a test checks the
probabilities against the scikit-learn pipeline the model was exported from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

WORD_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
ANALYZERS = ("word", "char_wb")


@dataclass(frozen=True)
class FeatureSpec:
    """One block of TF-IDF features: analyzer, n-gram range, and its place in the weight matrix."""

    analyzer: str
    ngram_min: int
    ngram_max: int
    size: int = 0

    def to_json(self) -> dict:
        return {"analyzer": self.analyzer, "ngram_range": [self.ngram_min, self.ngram_max],
                "lowercase": True, "sublinear_tf": True, "norm": "l2",
                "token_pattern": WORD_TOKEN_PATTERN if self.analyzer == "word" else None,
                "size": self.size}


def analyzer(spec: FeatureSpec) -> Callable[[str], list[str]]:
    """The function that turns one text into its terms, as TfidfVectorizer(spec) would."""
    lo, hi = spec.ngram_min, spec.ngram_max
    if spec.analyzer == "word":
        find = re.compile(WORD_TOKEN_PATTERN).findall

        def words(text: str) -> list[str]:
            tokens = find(text.lower())
            grams = list(tokens) if lo == 1 else []
            for n in range(max(lo, 2), hi + 1):
                grams.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)))))
            return grams

        return words
    if spec.analyzer == "char_wb":

        def chars(text: str) -> list[str]:
            grams: list[str] = []
            append = grams.append
            for w in text.lower().split():
                w = " " + w + " "
                w_len = len(w)
                for n in range(lo, hi + 1):
                    offset = 0
                    append(w[offset:offset + n])
                    while offset + n < w_len:
                        offset += 1
                        append(w[offset:offset + n])
                    if offset == 0:
                        break
            return grams

        return chars
    raise ValueError(f"unknown analyzer {spec.analyzer!r}")


class TfidfBlock:
    """One fitted feature block: vocabulary and idf, turning texts into sparse tf-idf rows.

    Terms are looked up, never materialised twice: a char_wb block caches each word's column
    ids (its n-grams depend on the word alone), and counting happens in numpy with one sort.
    """

    CACHE_LIMIT = 200_000

    def __init__(self, spec: FeatureSpec, vocabulary: list[str], idf: np.ndarray):
        self.spec = spec
        self.index = {term: i for i, term in enumerate(vocabulary)}
        self.idf = idf
        self.analyze = analyzer(spec)
        self._word_cache: dict[str, np.ndarray] = {}

    def columns(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of every in-vocabulary term occurrence, rows ascending."""
        if self.spec.analyzer == "char_wb":
            return self._char_columns(texts)
        index_get = self.index.get
        cols: list[int] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            before = len(cols)
            cols.extend([c for c in map(index_get, self.analyze(text)) if c is not None])
            lengths[i] = len(cols) - before
        return np.repeat(np.arange(len(texts)), lengths), np.asarray(cols, dtype=np.int64)

    def _char_columns(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        cache = self._word_cache
        if len(cache) > self.CACHE_LIMIT:
            cache.clear()
        pieces: list[np.ndarray] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            total = 0
            for word in text.lower().split():
                cols = cache.get(word)
                if cols is None:
                    cols = cache[word] = self._word_columns(word)
                pieces.append(cols)
                total += len(cols)
            lengths[i] = total
        if not pieces:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.repeat(np.arange(len(texts)), lengths), np.concatenate(pieces)

    def _word_columns(self, word: str) -> np.ndarray:
        index_get = self.index.get
        return np.array([c for c in map(index_get, self.analyze(word)) if c is not None], dtype=np.int64)

    def logits(self, texts: list[str], weights: np.ndarray) -> np.ndarray:
        """This block's share of the linear scores, (len(texts), n_frames): tf-idf rows times ``weights``.

        ``weights`` is the block's slice of the coefficients, shape (size, n_frames). Each row's
        tf-idf vector is l2-normalised, so its dot product is summed first and divided once.
        """
        out = np.zeros((len(texts), weights.shape[1]))
        rows, cols = self.columns(texts)
        if not len(cols):
            return out
        size = max(self.spec.size, 1)
        # Counting a term per sentence = counting equal (row, column) keys: one sort, no dicts.
        dtype = np.int32 if len(texts) * size < 2**31 else np.int64
        keys = np.sort(rows.astype(dtype) * dtype(size) + cols.astype(dtype))
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(keys)))
        rows, cols = np.divmod(keys[starts], dtype(size))
        values = (1.0 + np.log(counts)) * np.take(self.idf, cols)  # sublinear tf, as sklearn: log(tf) + 1
        row_first = np.empty(len(rows), dtype=bool)
        row_first[0] = True
        np.not_equal(rows[1:], rows[:-1], out=row_first[1:])
        row_starts = np.flatnonzero(row_first)
        norms = np.sqrt(np.add.reduceat(values * values, row_starts))
        sums = np.add.reduceat(np.take(weights, cols, axis=0) * values[:, None], row_starts, axis=0)
        out[rows[row_starts]] = sums / norms[:, None]
        return out
