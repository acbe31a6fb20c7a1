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
    """One fitted feature block: vocabulary and idf, turning texts into tf-idf scores.

    Built for speed without scikit-learn: word n-grams are looked up as token tuples (no string
    joins), a char_wb block caches each word's column ids (its n-grams depend on the word alone),
    and terms are counted per sentence in numpy with one sort.
    """

    CACHE_LIMIT = 200_000

    def __init__(self, spec: FeatureSpec, vocabulary: list[str], idf: np.ndarray, weights: np.ndarray):
        self.spec = spec
        self.idf = idf
        # Coefficients times idf, (size, n_frames): a term seen once then needs no multiplication.
        self._weighted = np.ascontiguousarray(weights * idf[:, None])
        self._idf_squared = idf * idf
        self.analyze = analyzer(spec)
        self._index = {term: i for i, term in enumerate(vocabulary)}
        # Word n-grams (n >= 2) keyed by token tuples; tokens never hold a space, so split is exact.
        self._ngrams: dict[int, dict] = {n: {} for n in range(max(spec.ngram_min, 2), spec.ngram_max + 1)}
        if spec.analyzer == "word":
            for term, i in self._index.items():
                tokens = tuple(term.split(" "))
                if len(tokens) >= 2:
                    self._ngrams[len(tokens)][tokens] = i
        self._find = re.compile(WORD_TOKEN_PATTERN).findall
        self._word_cache: dict[str, np.ndarray] = {}

    def keys(self, texts: list[str]) -> np.ndarray:
        """row * size + column for every in-vocabulary term occurrence (rows ascending)."""
        if self.spec.analyzer == "char_wb":
            pieces, lengths = self._char_columns(texts)
        else:
            pieces, lengths = self._word_columns(texts)
        # int32 sorts twice as fast as int64; a chunk of sentences always fits.
        dtype = np.int32 if len(texts) * self.spec.size < 2**31 else np.int64
        starts = np.arange(len(texts), dtype=dtype) * dtype(self.spec.size)
        return pieces.astype(dtype, copy=False) + np.repeat(starts, lengths)

    def _word_columns(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        unigram = self._index.get if self.spec.ngram_min == 1 else None
        ngrams = [(n, index.get) for n, index in self._ngrams.items()]
        find = self._find
        cols: list[int] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            before = len(cols)
            tokens = find(text.lower())
            if unigram is not None:
                cols.extend([c for c in map(unigram, tokens) if c is not None])
            for n, get in ngrams:
                cols.extend([c for c in map(get, zip(*(tokens[k:] for k in range(n)))) if c is not None])
            lengths[i] = len(cols) - before
        return np.array(cols, dtype=np.int64), lengths

    def _char_columns(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        cache = self._word_cache
        if len(cache) > self.CACHE_LIMIT:
            cache.clear()
        index_get = self._index.get
        pieces: list[np.ndarray] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            total = 0
            for word in text.lower().split():
                cols = cache.get(word)
                if cols is None:
                    cols = cache[word] = np.array(
                        [c for c in map(index_get, self.analyze(word)) if c is not None], dtype=np.int64)
                pieces.append(cols)
                total += len(cols)
            lengths[i] = total
        return (np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)), lengths

    def logits(self, texts: list[str]) -> np.ndarray:
        """This block's share of the linear scores, (len(texts), n_frames).

        Each sentence's tf-idf vector (sublinear tf, l2 norm, as scikit-learn computes it) is
        dotted with the coefficients: the dot product is summed first and normalised once.
        """
        out = np.zeros((len(texts), self._weighted.shape[1]))
        keys = np.sort(self.keys(texts))
        if not len(keys):
            return out
        # Equal keys are one term in one sentence: their run length is the term count.
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(keys)))
        unique = keys[starts]
        rows = unique // self.spec.size
        cols = unique - rows * self.spec.size
        squares = np.take(self._idf_squared, cols)
        products = np.take(self._weighted, cols, axis=0)
        repeated = np.flatnonzero(counts > 1)
        if len(repeated):
            tf = 1.0 + np.log(counts[repeated])  # sublinear tf, as scikit-learn: log(tf) + 1
            squares[repeated] *= tf * tf
            products[repeated] *= tf[:, None]
        row_first = np.empty(len(rows), dtype=bool)
        row_first[0] = True
        np.not_equal(rows[1:], rows[:-1], out=row_first[1:])
        row_starts = np.flatnonzero(row_first)
        norms = np.sqrt(np.add.reduceat(squares, row_starts))
        out[rows[row_starts]] = np.add.reduceat(products, row_starts, axis=0) / norms[:, None]
        return out
