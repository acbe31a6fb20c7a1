"""Fragments: headings, bylines, "Read more" lines and bits of one to three words.

They are still scored, but they cannot make an article's verdict on their own (frames.model.profile):
a headline that names NATO, or a bare "Sanctions", is not an article pushing a frame.
"""

from __future__ import annotations

import re

import numpy as np

MIN_WORDS = 4  # fewer words than this: a fragment
HEADING_WORDS = 15  # a line this short without closing punctuation reads as a heading or a caption
_BOILERPLATE = re.compile(r"^\W*(read (more|also)|see also|related:|photo\b|source:|©|copyright\b|subscribe\b)",
                          re.IGNORECASE)
_CLOSED = re.compile(r"[.!?…;:]['\"”’»)\]]*\s*$")


def word_count(text: str) -> int:
    """Whitespace-separated words, the measure of length the model's evidence rule uses."""
    return len(text.split())


def evidence_share(words: np.ndarray, evidence_words: int) -> np.ndarray:
    """The share of its feature evidence a sentence of ``words`` words keeps: min(1, words / evidence_words),
    all of it when evidence_words is 0. Training chooses evidence_words with it and scoring applies it."""
    if not evidence_words:
        return np.ones(len(words))
    return np.minimum(1.0, np.asarray(words, dtype=np.float64) / evidence_words)


def is_fragment(text: str) -> bool:
    """Whether a sentence is a fragment: under MIN_WORDS words, boilerplate, or an unpunctuated short line."""
    words = word_count(text)
    if words < MIN_WORDS or _BOILERPLATE.match(text):
        return True
    return words <= HEADING_WORDS and not _CLOSED.search(text)
