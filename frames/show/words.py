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
def _holders(text: str, lengths: frozenset[int]) -> dict[str, Counter]:
    """Each character n-gram of ``text`` (of the given lengths) -> the words holding it, and how often.

    The same for every frame of a sentence, so it is built once per sentence (a page asks for four frames)."""
    holders: dict[str, Counter] = defaultdict(Counter)
    for piece in text.lower().split():
        word = _EDGES.sub("", piece) or piece
        padded = f" {piece} "
        for n in lengths:
            for k in range(max(1, len(padded) - n + 1)):
                holders[padded[k:k + n]][word] += 1
    return holders


def by_word(text: str, parts: Iterable[Contribution]) -> tuple[WordPart, ...]:
    """The parts of one frame's logit (all n-grams of ``text``, as explain_sentences(top=None) gives
    them) grouped by word, the largest value first."""
    parts = list(parts)
    lengths = frozenset(len(c.raw) for c in parts if c.analyzer == "char_wb")
    holders = _holders(text, lengths) if lengths else {}
    values: dict[str, float] = defaultdict(float)
    ngrams: dict[str, list[Contribution]] = defaultdict(list)
    for c in parts:
        if c.analyzer == "char_wb" and holders.get(c.raw):
            found = holders[c.raw]
            total = sum(found.values())
            for word, times in found.items():
                values[word] += c.value * times / total
                ngrams[word].append(c)
        else:  # a word n-gram (or an n-gram the text does not show as such): its own entry
            values[c.raw] += c.value
            ngrams[c.raw].append(c)
    words = [WordPart(w, values[w], tuple(sorted(ngrams[w], key=lambda c: -abs(c.value)))) for w in values]
    return tuple(sorted(words, key=lambda w: (-w.value, w.word)))
