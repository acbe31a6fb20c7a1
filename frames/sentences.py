"""Splitting article text into sentences that keep their character offsets.

blingfire does the splitting; around it, line breaks are honoured (headlines, bylines and
standfirsts end without a full stop), wire datelines are kept with their sentence, a sentence
that starts with a number is cut off from the one before, and fragments with no words (page
numbers, timestamps) are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import blingfire

_LINE = re.compile(r"[^\n]*\n?")
_SPACE = re.compile(r"\s+")
# "ASTANA, February 28." / "MOSCOW, 3 March." / "/TASS/." / "(AsiaNews)": a dateline on its own.
_DATELINE_PART = (
    r"(?:[A-ZА-ЯЁ][A-ZА-ЯЁ .'\-]+,\s+(?:[A-Za-z]+\.?\s+\d{1,2}|\d{1,2}\s+[A-Za-z]+)[.,]?"
    r"|/?[A-Z][A-Za-z\-]{1,15}/\.?|\([A-Z][A-Za-z\- ]{1,20}\)\s*[-–—]?)"
)
_DATELINE = re.compile(rf"^(?:{_DATELINE_PART}\s*)+$")
# A full stop after a word, then a sentence that opens with a digit: "Prices rose. 7,500 km ..."
_BEFORE_NUMBER = re.compile(r"(?<=[a-z%)]{2}[.!?])[\"”’)]?\s+(?=\d)")
_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos art arts vol fig figs pp ch sec para".split()
)
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text (whitespace collapsed) and its [start, end) offsets in the article."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split article text into sentences, each with its character offsets in ``text``."""
    sentences: list[Sentence] = []
    for seg_start, seg_end in _segments(text):
        spans = _blingfire_spans(text[seg_start:seg_end])
        spans = _split_before_numbers(text, [(seg_start + a, seg_start + b) for a, b in spans])
        for start, end in _merge_datelines(text, spans):
            sentence = _sentence(text, start, end)
            if sentence is not None:
                sentences.append(sentence)
    return sentences


def _segments(text: str) -> list[tuple[int, int]]:
    """Runs of lines that belong together: a line break ends a sentence unless the text
    plainly runs on (the next line starts in lower case, or the line ends in a hyphen or comma)."""
    segments: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:
            break
        start, end = match.start(), match.start() + len(line.rstrip("\r\n"))
        body = text[start:end].strip()
        if not body:
            if current:
                segments.append(current)
            current = None
            continue
        if current and (body[0].islower() or text[current[0]:current[1]].rstrip()[-1:] in {"-", ","}):
            current = (current[0], end)
        else:
            if current:
                segments.append(current)
            current = (start, end)
    if current:
        segments.append(current)
    return segments


def _blingfire_spans(segment: str) -> list[tuple[int, int]]:
    if not segment.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(segment)
    return [(int(a), int(b)) for a, b in offsets]


def _split_before_numbers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        for match in _BEFORE_NUMBER.finditer(text, start, end):
            word = text[start:match.start()].rstrip(".!?").rsplit(None, 1)[-1:]
            if word and word[0].lower() in _ABBREVIATIONS:
                continue
            out.append((start, match.start() + len(match.group().rstrip())))
            start = match.end()
        out.append((start, end))
    return out


def _merge_datelines(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for start, end in spans:
        if pending is not None:
            start = pending
            pending = None
        if _DATELINE.match(text[start:end].strip()):
            pending = start
            continue
        out.append((start, end))
    if pending is not None:
        out.append((pending, spans[-1][1]))
    return out


def _sentence(text: str, start: int, end: int) -> Sentence | None:
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    start, end = start + lead, start + len(raw.rstrip())
    if len(_LETTERS.findall(text, start, end)) < 2:
        return None
    return Sentence(_SPACE.sub(" ", text[start:end]), start, end)
