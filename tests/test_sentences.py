"""Sentence splitting on news text: datelines, quotes, abbreviations, numbers, page junk, offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frames import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ASTANA, February 28. /TASS/. Russia and Kazakhstan can do a lot, the minister said. Talks went on.",
         ["ASTANA, February 28. /TASS/. Russia and Kazakhstan can do a lot, the minister said.", "Talks went on."]),
        ("MOSCOW, Feb. 2 /TASS/. Talks began.", ["MOSCOW, Feb. 2 /TASS/. Talks began."]),
        ('"We will cope with everything ourselves," he said. "Together." Then he left.',
         ['"We will cope with everything ourselves," he said.', '"Together."', "Then he left."]),
        ("Gen. Petrov met Dr. Jones in the U.S. on Monday. They talked.",
         ["Gen. Petrov met Dr. Jones in the U.S. on Monday.", "They talked."]),
        ("The deal is worth $8 billion. Trade rose 3.5% to 7,500 units.",
         ["The deal is worth $8 billion.", "Trade rose 3.5% to 7,500 units."]),
        ("The border runs for miles. 7,500 kilometres of it are shared.",
         ["The border runs for miles.", "7,500 kilometres of it are shared."]),
        ("See No. 5 on the list.", ["See No. 5 on the list."]),
        ("There are many such examples.\n\n14 06 2022, 11:07\nPhoto source: 365info.kz\n\n1 2 3 4 5 6 ... 7 8 9 10",
         ["There are many such examples.", "Photo source: 365info.kz"]),
        ("Russia, Kazakhstan should keep games at bay says diplomat\nA diplomat says they can do a lot",
         ["Russia, Kazakhstan should keep games at bay says diplomat", "A diplomat says they can do a lot"]),
        ("The minister said the two countries\nwould sign the treaty next week.",
         ["The minister said the two countries would sign the treaty next week."]),
        ("", []),
        ("1 2 3\n\n... 4 5", []),
    ],
    ids=["dateline", "dateline-abbrev", "quotes", "abbreviations", "numbers", "number-start", "no-abbrev",
         "page-junk", "headline-lines", "wrapped-line", "empty", "only-numbers"],
)
def test_news_splitting(text, expected):
    assert [s.text for s in split_sentences(text)] == expected


def _check_offsets(text: str) -> None:
    previous_end = 0
    for sentence in split_sentences(text):
        assert 0 <= previous_end <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start:sentence.end].split() == sentence.text.split()
        assert sentence.text == sentence.text.strip() and sentence.text
        previous_end = sentence.end


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_offsets_point_into_any_text(text):
    _check_offsets(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Astana", "U.S.", "said", "$8", "3.5%", "«Мир»", "\n", "\n\n", ". ", '"', "7,500",
                                 "Gen.", "/TASS/.", "MOSCOW, May 9.", "—", "Қазақстан", "😀"]), max_size=40))
def test_offsets_on_news_like_text(parts):
    _check_offsets(" ".join(parts))


def test_every_seed_splits_with_exact_offsets(seeds):
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        sentences = split_sentences(text)
        assert len(sentences) > 10, path.name
        _check_offsets(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Ab. ?!\n\"”1é—Мы ")), max_size=80))
def test_blingfire_called_directly_splits_as_the_blingfire_module(text):
    """frames.text.sentences calls blingfire's C library itself (importing the module costs ~7 ms a cold start)."""
    import blingfire

    from frames.text.sentences import _text_to_sentences

    assert _text_to_sentences(text) == blingfire.text_to_sentences(text)
