"""An explanation read as words: each character n-gram's part of a logit put under the word it comes from.

The model's character n-grams (char_wb: inside words, lower-cased, the word padded with spaces)
make most of a sentence's parts, and a list of them ("␣sanc", "ction") reads as noise. Here each
one goes to the words of the sentence that hold it (its value shared by how often each holds it),
a word n-gram of one word goes to that word, and a word n-gram of several words stays whole. A
word's value is the sum of its parts, so the words' values add up to the n-grams' total exactly.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from frames.model.explain import Contribution

_EDGES = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class WordPart:
    """One word's part of a frame's logit.

    word: the word as it appears (lower-cased, punctuation at its edges left out), or a word
    n-gram of several words; value: the sum of the parts of the n-grams under it; ngrams: those
    n-grams, the largest part first (a character n-gram found in several words is under each).
    """

    word: str
    value: float
    ngrams: tuple[Contribution, ...]


@lru_cache(maxsize=64)
def _holders(text: str, lengths: frozenset[int]) -> dict[str, tuple[tuple[tuple[str, int], ...], int]]:
    """Each character n-gram of ``text`` (of the given lengths) -> the words holding it with how often
    each does, and how often the text holds it in all.

    The same for every frame of a sentence, so it is built once per sentence (a page asks for four frames)."""
    holders: dict[str, Counter] = defaultdict(Counter)
    for piece in text.lower().split():
        word = _EDGES.sub("", piece) or piece
        padded = f" {piece} "
        for n in lengths:
            for k in range(max(1, len(padded) - n + 1)):
                holders[padded[k:k + n]][word] += 1
    return {gram: (tuple(found.items()), sum(found.values())) for gram, found in holders.items()}


def by_word(text: str, parts: Iterable[Contribution]) -> tuple[WordPart, ...]:
    """The parts of one frame's logit (all n-grams of ``text``, as explain_sentences(top=None) gives
    them) grouped by word, the largest value first."""
    values, ngrams = _grouped(text, list(parts))
    return tuple(_word_part(w, values[w], ngrams[w]) for w in _ranked(values))


@dataclass(frozen=True)
class StrongestWords:
    """What a report lists of one frame's words: the ``top`` pushing towards it and away from it, as
    by_word ranks them, and how many words are left and the sum of their values."""

    towards: tuple[WordPart, ...]
    away: tuple[WordPart, ...]
    n_rest: int
    rest: float


def strongest_words(text: str, parts: Iterable[Contribution], top: int) -> StrongestWords:
    """by_word's strongest ``top`` words each way, and the rest summed in by_word's order; only the
    listed words have their n-grams sorted, which is most of by_word's work on a long sentence."""
    values, ngrams = _grouped(text, list(parts))
    order = _ranked(values)
    towards = [w for w in order if values[w] > 0][:top]
    away = [w for w in reversed(order) if values[w] < 0][:top]
    listed = set(towards) | set(away)
    rest = [values[w] for w in order if w not in listed]
    return StrongestWords(tuple(_word_part(w, values[w], ngrams[w]) for w in towards),
                          tuple(_word_part(w, values[w], ngrams[w]) for w in away), len(rest), sum(rest))


def _grouped(text: str, parts: list[Contribution]) -> tuple[dict[str, float], dict[str, list[Contribution]]]:
    """Each word's value (its n-grams' parts, a character n-gram's shared by how often each word holds
    it) and its n-grams, in the order the parts come."""
    lengths = frozenset(len(c.raw) for c in parts if c.analyzer == "char_wb")
    holders = _holders(text, lengths) if lengths else {}
    values: dict[str, float] = defaultdict(float)
    ngrams: dict[str, list[Contribution]] = defaultdict(list)
    for c in parts:
        found = holders.get(c.raw) if c.analyzer == "char_wb" else None
        if found:
            shares, total = found
            for word, times in shares:
                values[word] += c.value * times / total
                ngrams[word].append(c)
        else:  # a word n-gram (or an n-gram the text does not show as such): its own entry
            values[c.raw] += c.value
            ngrams[c.raw].append(c)
    return values, ngrams


def _ranked(values: dict[str, float]) -> list[str]:
    """The words by value, largest first (ties by the word)."""
    return sorted(values, key=lambda w: (-values[w], w))


def _word_part(word: str, value: float, ngrams: list[Contribution]) -> WordPart:
    """A word's part, its n-grams the largest part first (ties kept in the order the parts came)."""
    return WordPart(word, value, tuple(sorted(ngrams, key=lambda c: -abs(c.value))))
