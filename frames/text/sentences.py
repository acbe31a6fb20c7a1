"""Splitting article text into sentences that keep their character offsets.

blingfire does the splitting; around it, line breaks are honoured (headlines, bylines and
standfirsts end without a full stop), wire datelines are kept with their sentence, a sentence
that starts with a number is cut off from the one before, and fragments with no words (page
numbers, timestamps) are dropped.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

_BREAK = "\u2029"
# "ASTANA, February 28." / "MOSCOW, 3 March." / "/TASS/." / "(AsiaNews)": a dateline on its own.
_DATELINE_PART = (
    r"(?:[A-ZА-ЯЁ][A-ZА-ЯЁ .'\-]+,\s+(?:[A-Za-z]+\.?\s+\d{1,2}|\d{1,2}\s+[A-Za-z]+)[.,]?"
    r"|/?[A-Z][A-Za-z\-]{1,15}/\.?|\([A-Z][A-Za-z\- ]{1,20}\)\s*[-–—]?)"
)
_DATELINE = re.compile(rf"^(?:{_DATELINE_PART}\s*)+$")
_DATELINE_MAX = 80  # longer fragments are never datelines alone: no need to look
# A full stop after a word, then a sentence that opens with a digit: "Prices rose. 7,500 km ..."
_BEFORE_NUMBER = re.compile(r"[.!?](?<=[a-z%)]{2}[.!?])[\"”’)]?\s+(?=\d)")  # starts at the stop: fast to scan
_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos art arts vol fig figs pp ch sec para".split()
)
_TWO_LETTERS = re.compile(r"[^\W\d_].*?[^\W\d_]", re.S)


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text (whitespace collapsed) and its [start, end) offsets in the article."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split article text into sentences, each with its character offsets in ``text``."""
    flat = _mark_line_breaks(text)
    spans = _merge_datelines(flat, _split_before_numbers(flat, _blingfire_spans(flat)))
    sentences = []
    for start, end in spans:
        sentence = _sentence(text, start, end)
        if sentence is not None:
            sentences.append(sentence)
    return sentences


def _mark_line_breaks(text: str) -> str:
    """The text with each line break that ends a sentence made a paragraph separator (U+2029),
    which blingfire always splits at, and every other line break or CR made a space.

    A line break ends a sentence unless the text plainly runs on: the next line starts in
    lower case, or the line ends in a hyphen or comma. Lengths are kept, so offsets hold.
    """
    lines = text.replace("\r", " ").split("\n")
    pieces = []
    for line, following in zip(lines, lines[1:]):
        body, after = line.rstrip(), following.lstrip()
        runs_on = bool(body) and bool(after) and (after[0].islower() or body[-1] in "-,")
        pieces.append(line)
        pieces.append(" " if runs_on else _BREAK)
    pieces.append(lines[-1])
    return "".join(pieces)


def _blingfire_spans(flat: str) -> list[tuple[int, int]]:
    if not flat.strip():
        return []
    # text_to_sentences runs in C; its "with offsets" twin maps offsets byte by byte in Python and
    # is ten times slower, so each sentence is found in the text instead, the twin as fallback.
    spans: list[tuple[int, int]] = []
    position = 0
    for sentence in _text_to_sentences(flat).split("\n"):
        if not sentence.strip():
            continue
        start = flat.find(sentence, position)
        if start < 0:
            import blingfire

            _, offsets = blingfire.text_to_sentences_and_offsets(flat)
            return [(int(a), int(b)) for a, b in offsets]
        position = start + len(sentence)
        spans.append((start, position))
    return spans


_BLINGFIRE = None  # blingfire's C library (ctypes), or the blingfire module; loaded on first use


def _text_to_sentences(text: str) -> str:
    """blingfire.text_to_sentences(text): the sentences, one a line.

    On Linux the call goes to blingfire's C library straight away, as blingfire's own wrapper makes
    it: importing the blingfire module costs about 7 ms of every cold start (it reads its own
    source through inspect to find the library). Elsewhere, the module itself.
    """
    global _BLINGFIRE
    if _BLINGFIRE is None:
        _BLINGFIRE = _load_blingfire()
    if not hasattr(_BLINGFIRE, "TextToSentences"):
        return _BLINGFIRE.text_to_sentences(text)
    import ctypes

    data = text.encode("utf-8")
    out = ctypes.create_string_buffer(len(data) * 2)
    length = _BLINGFIRE.TextToSentences(ctypes.c_char_p(data), ctypes.c_int(len(data)), ctypes.byref(out),
                                        ctypes.c_int(len(out)))
    if length == -1 or length > len(out):
        return ""
    return out.value.decode("utf-8")


def _load_blingfire():
    """The C library blingfire's module loads (on Linux: libblingfiretokdll.so beside it), else the module."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("blingfire")  # finds the package without running it
    library = Path(spec.submodule_search_locations[0]) / "libblingfiretokdll.so" if spec else None
    if sys.platform.startswith("linux") and library is not None and library.is_file():
        import ctypes

        return ctypes.CDLL(str(library))
    import blingfire

    return blingfire


def _split_before_numbers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    cuts = iter(_BEFORE_NUMBER.finditer(text))  # one pass over the text, shared out to the spans
    cut = next(cuts, None)
    out: list[tuple[int, int]] = []
    for start, end in spans:
        while cut is not None and cut.start() < start:
            cut = next(cuts, None)
        while cut is not None and cut.end() <= end:
            word = text[start:cut.start()].rstrip(".!?").rsplit(None, 1)[-1:]
            if not (word and word[0].lower() in _ABBREVIATIONS):
                out.append((start, cut.start() + len(cut.group().rstrip())))
                start = cut.end()
            cut = next(cuts, None)
        out.append((start, end))
    return out


def _merge_datelines(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for start, end in spans:
        if pending is not None:
            start = pending
            pending = None
        if end - start <= _DATELINE_MAX and _DATELINE.match(text[start:end].strip()):
            pending = start
            continue
        out.append((start, end))
    if pending is not None:
        out.append((pending, spans[-1][1]))
    return out


def _sentence(text: str, start: int, end: int) -> Sentence | None:
    raw = text[start:end]
    left = raw.lstrip()
    body = left.rstrip()
    if _TWO_LETTERS.search(body) is None:
        return None  # fewer than two letters: page numbers, timestamps, rules
    start += len(raw) - len(left)
    return Sentence(" ".join(body.split()), start, start + len(body))
