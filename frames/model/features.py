"""TF-IDF features computed with numpy alone, exactly as scikit-learn's TfidfVectorizer does.

Scoring must not import scikit-learn (its import alone costs seconds), so the analyzers below
reproduce TfidfVectorizer's word and char_wb analyzers term for term; a test checks the
probabilities against the scikit-learn pipeline the model was exported from.
"""

from __future__ import annotations

import itertools
import re
import _thread
from dataclasses import dataclass

import numpy as np

WORD_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_WORD_TOKEN = re.compile(WORD_TOKEN_PATTERN)
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


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """Character n-grams inside word boundaries, exactly as TfidfVectorizer(analyzer="char_wb")."""
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
            if offset == 0:  # a word shorter than n is counted once, as scikit-learn does
                break
    return grams


class CharKeys:
    """A char_wb vocabulary as sorted int64 keys, so that the n-grams of many pieces are found at once.

    Each character of the vocabulary gets a digit from 1 (0: any other character), and an n-gram
    the key sum(digit_k * base ** (n - 1 - k)); digits never being 0, n-grams of different lengths
    never share a key. Pieces padded with one space each side, as TfidfVectorizer pads words, are
    laid end to end; an n-gram is a window of that text with no space inside it and no unknown
    character, so numpy finds every piece's n-grams with a few array operations.
    """

    def __init__(self, digit_of: np.ndarray, keys: np.ndarray, columns: np.ndarray, spec: FeatureSpec):
        # digit_of: each code point's digit, up to one past the largest in the vocabulary (digit 0).
        self.digit_of, self.keys, self.cols, self.spec = digit_of, keys, columns, spec
        self.base = int(digit_of.max()) + 1

    @classmethod
    def build(cls, vocabulary: list[str], spec: FeatureSpec) -> CharKeys | None:
        """Keys for a char_wb vocabulary; None where they cannot hold it exactly (then a dict serves).

        Only ranges from 3: there every padded word (at least 3 characters) gives full windows, where
        scikit-learn gives a word shorter than a smaller n as one shorter gram.
        """
        if spec.ngram_min != 3 or not vocabulary:
            return None
        codes = np.frombuffer("\n".join(vocabulary).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        newline = codes == 10
        breaks = np.flatnonzero(newline)
        if len(breaks) != len(vocabulary) - 1:  # a term holding a newline
            return None
        starts = np.concatenate(([0], breaks + 1))
        lengths = np.concatenate((breaks, [len(codes)])) - starts
        used = np.bincount(codes, minlength=int(codes.max()) + 2) > 0
        used[10] = False
        base = int(used.sum()) + 1
        if lengths.max() > spec.ngram_max or base ** spec.ngram_max >= 2**63:
            return None
        digit_of = np.cumsum(used).astype(np.uint16) * used  # 1, 2, ... in code point order; 0 for the rest
        digits = digit_of[codes].astype(np.int64)
        keys = np.zeros(len(vocabulary), dtype=np.int64)
        for k in range(spec.ngram_max):
            more = np.flatnonzero(lengths > k)
            keys[more] = keys[more] * base + digits[starts[more] + k]
        order = np.argsort(keys, kind="stable")
        return cls(digit_of, keys[order], order.astype(np.int64), spec)

    def columns(self, pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The columns of every pieces' n-grams that the vocabulary holds, piece after piece, and
        how many each piece gave. Pieces are lower-cased first, as by `char_wb_ngrams`."""
        pieces = [piece.lower() for piece in pieces]  # already lower-cased when scoring: lower() keeps them
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        if not pieces or not len(self.keys):
            return np.zeros(0, dtype=np.int64), np.zeros(len(pieces), dtype=np.int64)
        text = " " + "  ".join(pieces) + " "
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        digits = self.digit_of[np.minimum(codes, len(self.digit_of) - 1)].astype(np.int64)
        # Counts of spaces and of unknown characters up to each position, to test windows in one step.
        spaces = np.concatenate(([0], np.cumsum(codes == 32)))
        unknown = np.concatenate(([0], np.cumsum(digits == 0)))
        piece_starts = np.cumsum(lengths + 2) - (lengths + 2)  # where each padded piece begins
        found_cols, found_pieces = [], []
        for n in range(self.spec.ngram_min, self.spec.ngram_max + 1):
            m = len(codes) - n + 1
            if m <= 0:
                break
            ok = (spaces[n - 1:n - 1 + m] - spaces[1:1 + m] == 0) & (unknown[n:n + m] - unknown[:m] == 0)
            at = np.flatnonzero(ok)
            key = np.zeros(len(at), dtype=np.int64)
            for k in range(n):
                key = key * self.base + digits[at + k]
            where = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
            hit = self.keys[where] == key
            found_cols.append(self.cols[where[hit]])
            found_pieces.append(np.searchsorted(piece_starts, at[hit], side="right") - 1)
        cols = np.concatenate(found_cols) if found_cols else np.zeros(0, dtype=np.int64)
        owner = np.concatenate(found_pieces) if found_pieces else np.zeros(0, dtype=np.int64)
        order = np.argsort(owner, kind="stable")
        return cols[order], np.bincount(owner, minlength=len(pieces)).astype(np.int64)


class TfidfBlock:
    """One fitted feature block: its vocabulary, idf and coefficients, ready to score."""

    def __init__(self, spec: FeatureSpec, vocabulary: list[str], idf: np.ndarray, weights: np.ndarray):
        self.spec = spec
        # Per term: coefficients times idf, then idf squared, (size, n_frames + 1). A term seen
        # once needs no multiplication, and one gather serves both the dot product and the norm.
        self.n_frames = weights.shape[1]
        self._table = np.empty((len(idf), self.n_frames + 1))
        np.multiply(weights, idf[:, None], out=self._table[:, :-1])
        np.multiply(idf, idf, out=self._table[:, -1])
        self.vocabulary = vocabulary
        self.keyed = False  # word blocks: whether the token-id structures of `build_keys` exist
        self._terms: dict[str, int] | None = None
        self.char_keys: CharKeys | None = None  # char blocks: built by `build_keys`, for bulk input
        if spec.analyzer == "char_wb":
            self.index = dict(zip(vocabulary, range(len(vocabulary))))
            self.keyed = True

    def build_keys(self) -> None:
        """Build the sorted n-gram keys large inputs are scored with: a word block's token ids and
        term keys, a char block's `CharKeys`.

        Small inputs are scored term by term with dicts instead (`text_columns`, `piece`): the keys
        cost about ten milliseconds to build, a fifth of a cold `frames classify`, and pay off in bulk.
        """
        if self.spec.analyzer == "char_wb":
            if self.char_keys is None:
                self.char_keys = CharKeys.build(self.vocabulary, self.spec)
            return
        if self.keyed:
            return
        spec, vocabulary = self.spec, self.vocabulary
        # Each token of the vocabulary gets an id from 1 (0: any other token), and each n-gram
        # the key sum(id_k * n_tokens ** (n - 1 - k)), kept sorted for searchsorted lookups.
        # Tokens never hold a space, so splitting a term on spaces gives its tokens exactly.
        # Built with one pass of C-level string calls and numpy.
        # Ids in order of first appearance: any fixed numbering serves, and this one needs no sort.
        flat = " ".join(vocabulary).split(" ") if vocabulary else []
        self.token_ids = dict(zip(dict.fromkeys(flat), range(1, len(flat) + 1)))
        self._n_tokens = len(self.token_ids) + 1
        if self._n_tokens ** spec.ngram_max >= 2**62:
            raise ValueError("word n-grams too long for 64-bit keys")
        ids = np.fromiter(map(self.token_ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        # Tokens per term: the spaces between one newline and the next in the joined UTF-8 text, plus one.
        text = np.frombuffer("\n".join(vocabulary).encode("utf-8"), dtype=np.uint8)
        lengths = np.bincount(np.searchsorted(np.flatnonzero(text == 10), np.flatnonzero(text == 32)),
                              minlength=len(vocabulary)) + 1
        starts = np.cumsum(lengths) - lengths
        self._term_keys: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n in range(spec.ngram_min, spec.ngram_max + 1):
            cols = np.flatnonzero(lengths == n)
            keys = np.zeros(len(cols), dtype=np.int64)
            for k in range(n):
                keys = keys * self._n_tokens + ids[starts[cols] + k]
            order = np.argsort(keys, kind="stable")
            self._term_keys[n] = (keys[order], cols[order])
        # Unigrams by direct lookup: the column of each token id's one-token term, -1 if none.
        self._unigram_cols = np.full(self._n_tokens, -1, dtype=np.int64)
        if spec.ngram_min == 1:
            self._unigram_cols[self._term_keys[1][0]] = self._term_keys[1][1]
        self.keyed = True

    def text_columns(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """A word block's (row, column) of every term occurrence, found term by term with a dict:
        the n-grams of TfidfVectorizer's word analyzer, for inputs too small to pay for `build_keys`."""
        if self._terms is None:
            self._terms = dict(zip(self.vocabulary, range(len(self.vocabulary))))
        get = self._terms.get
        lo, hi = self.spec.ngram_min, self.spec.ngram_max
        rows: list[int] = []
        cols: list[int] = []
        for row, text in enumerate(texts):
            tokens = _WORD_TOKEN.findall(text.lower())
            for n in range(lo, min(hi, len(tokens)) + 1):
                grams = tokens if n == 1 else map(" ".join, zip(*(tokens[k:] for k in range(n))))
                found = [c for c in map(get, grams) if c is not None]
                cols += found
                rows += [row] * len(found)
        return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)

    def pieces(self, pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """What each of several pieces gives this block (see `piece`): their ids concatenated, and
        how many each piece gave. A char block with keys analyses them all in one pass of numpy."""
        if self.spec.analyzer == "char_wb" and self.char_keys is not None:
            return self.char_keys.columns(pieces)
        arrays = [self.piece(piece) for piece in pieces]
        lengths = np.array([len(a) for a in arrays], dtype=np.int64)
        return (np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)), lengths

    def piece(self, piece: str) -> np.ndarray:
        """What one whitespace-separated piece of lower-cased text gives this block on its own.

        char_wb n-grams never cross whitespace, so a piece gives its column ids outright; word
        tokens never cross it either, so a piece gives its token ids (0 for a token in no term),
        and n-grams are found per sentence from the token sequence.
        """
        if self.spec.analyzer == "char_wb":
            get = self.index.get
            grams = char_wb_ngrams(piece, self.spec.ngram_min, self.spec.ngram_max)
            return np.array([c for c in map(get, grams) if c is not None], dtype=np.int64)
        get = self.token_ids.get
        return np.array([get(t, 0) for t in _WORD_TOKEN.findall(piece)], dtype=np.int64)

    def word_columns(self, tokens: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Columns (and rows) of the word n-grams in token-id sequences, rows ascending."""
        found_rows, found_cols = [], []
        for n in range(self.spec.ngram_min, self.spec.ngram_max + 1):
            if len(tokens) < n:
                break
            if n == 1:
                cols = self._unigram_cols[tokens]
                hit = cols >= 0
                found_rows.append(rows[hit])
                found_cols.append(cols[hit])
                continue
            same_row = rows[n - 1:] == rows[:len(rows) - n + 1]
            key = np.zeros(len(tokens) - n + 1, dtype=np.int64)
            known = same_row.copy()
            for k in range(n):
                part = tokens[k:len(tokens) - n + 1 + k]
                key = key * self._n_tokens + part
                known &= part > 0
            keys, cols = self._term_keys[n]
            place = np.searchsorted(keys, key[known])
            place[place == len(keys)] = 0
            hit = keys[place] == key[known] if len(keys) else np.zeros(len(place), dtype=bool)
            found_rows.append(rows[:len(rows) - n + 1][known][hit])
            found_cols.append(cols[place[hit]])
        if not found_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(found_rows), np.concatenate(found_cols)

    def logits(self, keys: np.ndarray, n_rows: int) -> np.ndarray:
        """This block's share of the linear scores, (n_rows, n_frames), from row * size + column keys.

        Each row's tf-idf vector (sublinear tf, l2 norm, as scikit-learn computes it) is dotted
        with the coefficients: the dot product is summed first and normalised once.
        """
        out = np.zeros((n_rows, self.n_frames))
        keys = np.sort(keys)
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
        terms = np.take(self._table, cols, axis=0)
        repeated = np.flatnonzero(counts > 1)
        if len(repeated):
            tf = 1.0 + np.log(counts[repeated])  # sublinear tf, as scikit-learn: log(tf) + 1
            terms[repeated, :-1] *= tf[:, None]
            terms[repeated, -1] *= tf * tf
        row_first = np.empty(len(rows), dtype=bool)
        row_first[0] = True
        np.not_equal(rows[1:], rows[:-1], out=row_first[1:])
        row_starts = np.flatnonzero(row_first)
        sums = np.add.reduceat(terms, row_starts, axis=0)
        out[rows[row_starts]] = sums[:, :-1] / np.sqrt(sums[:, -1:])
        return out


class _Pieces:
    """Every distinct piece met so far, with each block's ids for it, stored flat for numpy gathers.

    Only blocks that were keyed when the cache was made are filled (`filled`); the others hold no
    ids here and are scored term by term.
    """

    def __init__(self, blocks: list[TfidfBlock]):
        self.filled = tuple(block.keyed for block in blocks)
        self.ids: dict[str, int] = {}
        self.values = [np.zeros(0, dtype=np.int64) for _ in blocks]
        self.starts = [np.zeros(0, dtype=np.int64) for _ in blocks]
        self.lengths = [np.zeros(0, dtype=np.int64) for _ in blocks]

    def add(self, blocks: list[TfidfBlock], pieces: list[str]) -> None:
        """Give new pieces ids and append what each filled block makes of them."""
        for b, block in enumerate(blocks):
            if not self.filled[b]:
                continue
            values, lengths = block.pieces(pieces)
            starts = len(self.values[b]) + np.cumsum(lengths) - lengths
            self.values[b] = np.concatenate([self.values[b], values])
            self.starts[b] = np.concatenate([self.starts[b], starts])
            self.lengths[b] = np.concatenate([self.lengths[b], lengths])
        for piece in pieces:
            self.ids[piece] = len(self.ids)

    def gather(self, b: int, pieces: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Block b's ids for a sequence of piece ids, concatenated, with the row of each."""
        lengths = self.lengths[b][pieces]
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        positions = np.repeat(self.starts[b][pieces] - ends + lengths, lengths) + np.arange(total)
        return self.values[b][positions], np.repeat(rows, lengths)


class Featurizer:
    """Scores texts against every feature block, with almost all the work done in numpy.

    Python only lower-cases each text, splits it on whitespace and maps the pieces to ids
    (pieces repeat across sentences, so each is analysed once); gathering each block's ids,
    forming word n-grams and counting terms per sentence are array operations.

    Safe to share between threads: the piece cache is the only mutable state, and a lock guards
    its lookups and growth (a test scores from eight threads at once and compares).
    """

    CACHE_LIMIT = 200_000
    # Word blocks build their keyed structures (`TfidfBlock.build_keys`) once this many pieces have been
    # scored: a cold `frames classify` of one article stays under it and looks its terms up one by one.
    KEYED_AFTER = 3_000

    def __init__(self, blocks: list[TfidfBlock]):
        self.blocks = blocks
        self._pieces = _Pieces(blocks)
        self._seen = 0  # pieces scored so far; past KEYED_AFTER, every block builds its keys
        self._keyed = False
        self._lock = _thread.allocate_lock()  # guards _pieces, as one model may score in several threads

    def __getstate__(self) -> dict:
        """Pickled without the cache and the lock (a lock cannot be pickled; the cache refills)."""
        return {"blocks": self.blocks}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["blocks"])

    def logits(self, texts: list[str]) -> np.ndarray:
        """The linear scores (len(texts), n_frames) without intercepts."""
        return self.logits_and_words(texts)[0]

    def logits_and_words(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The linear scores (as ``logits``) and each text's number of whitespace-separated words."""
        out = np.zeros((len(texts), self.blocks[0].n_frames))
        columns, words = self._columns(texts)
        for block, (col_rows, cols) in zip(self.blocks, columns):
            # int32 sorts twice as fast as int64; a chunk of sentences always fits.
            dtype = np.int32 if len(texts) * block.spec.size < 2**31 else np.int64
            keys = col_rows.astype(dtype) * dtype(block.spec.size) + cols.astype(dtype)
            out += block.logits(keys, len(texts))
        return out, words

    def terms(self, texts: list[str]) -> list[BlockTerms]:
        """Per block, every term found in each text and its count: what `logits` sums, laid out to explain it."""
        found = []
        for block, (col_rows, cols) in zip(self.blocks, self._columns(texts)[0]):
            keys, counts = np.unique(col_rows * block.spec.size + cols, return_counts=True)
            rows = keys // block.spec.size
            found.append(BlockTerms(rows, keys - rows * block.spec.size, counts))
        return found

    def _columns(self, texts: list[str]) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """Per block, the (row, column) of every term occurrence in the texts, repeats included;
        and each text's number of pieces (whitespace-separated words)."""
        split = [text.lower().split() for text in texts]
        words = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        flat = list(itertools.chain.from_iterable(split))
        with self._lock:
            self._seen += len(flat)
            if self._seen > self.KEYED_AFTER and not self._keyed:
                for block in self.blocks:
                    block.build_keys()
                self._keyed = True
                if not all(self._pieces.filled):  # the word blocks' ids are in no cached piece yet
                    self._pieces = _Pieces(self.blocks)
            if len(self._pieces.ids) > self.CACHE_LIMIT:
                self._pieces = _Pieces(self.blocks)
            cache = self._pieces
            ids = cache.ids
            # map() and fromiter keep the per-piece work in C; new pieces are the rare case.
            pieces = np.fromiter(map(ids.get, flat, itertools.repeat(-1)), dtype=np.int64, count=len(flat))
            if len(pieces) and pieces.min() < 0:
                cache.add(self.blocks, list(dict.fromkeys(p for p in flat if p not in ids)))
                pieces = np.fromiter(map(ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        # Outside the lock: a cache only grows (appending), so these ids stay valid in `cache`
        # whatever other threads add to it or put in its place meanwhile.
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), words)
        found = []
        for b, block in enumerate(self.blocks):
            if not cache.filled[b]:
                found.append(block.text_columns(texts))
                continue
            values, value_rows = cache.gather(b, pieces, rows)
            if block.spec.analyzer == "char_wb":
                found.append((value_rows, values))
            else:
                found.append(block.word_columns(values, value_rows))
        return found, words


@dataclass(frozen=True, eq=False)
class BlockTerms:
    """The distinct terms of one feature block in a list of texts, sorted by (row, column).

    rows: the text each term is in; columns: the term's column in the block (its vocabulary index);
    counts: how often it occurs in that text (its raw term frequency).
    """

    rows: np.ndarray
    columns: np.ndarray
    counts: np.ndarray


def tfidf_values(terms: BlockTerms, idf: np.ndarray, n_rows: int) -> np.ndarray:
    """Each term's tf-idf value as scikit-learn computes it: (1 + log tf) * idf, l2-normalised per text."""
    raw = (1.0 + np.log(terms.counts)) * idf[terms.columns]
    norms = np.sqrt(np.bincount(terms.rows, weights=raw * raw, minlength=n_rows))
    return raw / norms[terms.rows] if len(raw) else raw
