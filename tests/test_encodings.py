"""Encodings: a stray byte keeps UTF-8 (and is counted), legacy Cyrillic code pages are detected, UTF-16 without BOM gets a hint."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from frames import ArticleError, decode_article
from frames.cli import app

runner = CliRunner()

QUOTED = "The minister called the deal \u201chistoric\u201d \u2014 \u2018a new page\u2019, he said. Trade grew by a fifth."
RUSSIAN = ("Москва и Астана договорились расширить сотрудничество в энергетике. Товарооборот между странами вырос "
           "на пять процентов, сообщил министр.")


def test_one_bad_byte_keeps_utf8_and_is_counted():
    data = QUOTED.encode("utf-8")
    cut = data.index(b"deal")
    article = decode_article(data[:cut] + b"\x92" + data[cut:], "a.txt")
    assert (article.encoding, article.bad_bytes) == ("utf-8", 1)
    assert article.text == QUOTED.replace("deal", "\ufffddeal")  # every quote intact, one U+FFFD
    assert article.notes() == ["a.txt: 1 byte not valid UTF-8, each replaced by U+FFFD"]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300), st.data())
def test_stray_bytes_in_utf8_text_are_replaced_one_for_one(text, data):
    """However many bytes are not UTF-8, as long as they are no more than the text's own non-ASCII
    characters the file stays UTF-8, and each bad byte becomes exactly one U+FFFD."""
    text = "".join(c for c in text if c.isprintable() and c != "\ufffd")
    non_ascii = sum(c > "\x7f" for c in text)
    assume(text.strip() and non_ascii)
    positions = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=non_ascii)))
    pieces, last = [], 0
    for p in positions:
        pieces += [text[last:p].encode("utf-8"), b"\xff"]  # 0xFF never occurs in UTF-8
        last = p
    pieces.append(text[last:].encode("utf-8"))
    article = decode_article(b"".join(pieces))
    expected = "".join(text[a:b] + "\ufffd" for a, b in zip([0, *positions], positions)) + text[positions[-1]:]
    assert (article.encoding, article.bad_bytes, article.text) == ("utf-8", len(positions), expected)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1))
def test_valid_utf8_round_trips_with_no_bad_bytes(text):
    assume(text.strip() and not text.lstrip().startswith("<") and not text.startswith("\ufeff"))
    article = decode_article(text.encode("utf-8"))
    assert (article.text, article.encoding, article.bad_bytes, article.format) == (text, "utf-8", 0, "text")


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r", "cp866", "iso8859_5"])
def test_legacy_cyrillic_code_pages(encoding):
    article = decode_article(RUSSIAN.encode(encoding))
    assert (article.encoding, article.text, article.bad_bytes) == (encoding, RUSSIAN, 0)


@pytest.mark.parametrize(("text", "encoding"), [
    ("Café owners in Zürich said the façade would be restored. Señor Núñez agreed.", "cp1252"),
    ("Der Minister sagte, die Beziehungen seien für beide Länder wichtig; größere Projekte würden folgen.", "cp1252"),
    ("Москва и Астана подписали договор о дружбе.", "cp1251"),
])
def test_short_legacy_texts_prefer_the_common_code_page(text, encoding):
    article = decode_article(text.encode(encoding))
    assert (article.encoding, article.text) == (encoding, text)


def test_declared_charset_of_a_page_wins_a_close_call():
    page = ('<html><head><meta charset="koi8-r"></head><body><p>' + RUSSIAN + "</p><p>" + RUSSIAN
            + "</p></body></html>").encode("koi8_r")
    article = decode_article(page, "page.html")
    assert article.encoding == "koi8_r" and article.format == "html" and "Астана" in article.text


@pytest.mark.parametrize(("encoding", "label"), [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
@pytest.mark.parametrize("text", ["Despite the sanctions, bilateral trade hit a record.", RUSSIAN])
def test_utf16_without_bom_gets_a_hint(text, encoding, label):
    with pytest.raises(ArticleError) as error:
        decode_article(text.encode(encoding), "a.txt")
    assert str(error.value) == (f"a.txt: looks like {label} text without a byte-order mark; "
                                f"re-save it as UTF-8 (or as UTF-16 with a byte-order mark)")


def test_binary_is_still_binary():
    with pytest.raises(ArticleError, match="looks like a binary file"):
        decode_article(b"\x00\x01\x02binary\x00\x10\x11\x12\x13", "a.bin")


def test_classify_reports_bad_bytes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(QUOTED.encode("utf-8") + b" \xff\xfe")
    result = runner.invoke(app, ["classify", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["encoding"], out["bad_bytes"]) == ("utf-8", 2)
    assert result.stderr == f"note: {path}: 2 bytes not valid UTF-8, each replaced by U+FFFD\n"
