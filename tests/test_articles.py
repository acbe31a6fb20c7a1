"""Reading article files: every common encoding decodes, and bad files fail with one clear line."""

from __future__ import annotations

import codecs

import pytest

from frames import ArticleError, decode_article, read_article

TEXT = "Москва и Астана: «союз, обращённый в будущее». Trade rose 5% to $8 billion."
WESTERN = "Café owners in Zürich said the façade would be restored. Señor Núñez agreed."


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8", TEXT),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig", TEXT),
        (TEXT.encode("utf-16"), "utf-16", TEXT),  # with a BOM, in the machine's byte order
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16", TEXT),
        ("Москва и Астана договорились о сотрудничестве.".encode("cp1251"), "cp1251",
         "Москва и Астана договорились о сотрудничестве."),
        (WESTERN.encode("cp1252"), "cp1252", WESTERN),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-be", "cp1251", "cp1252"],
)
def test_encodings_are_detected_and_decoded(tmp_path, data, encoding, expected):
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    article = read_article(path)
    assert article.encoding == encoding
    assert article.text == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(256)) * 4, "binary"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "utf-16"),
    ],
    ids=["empty", "whitespace", "png", "all-bytes", "broken-utf-16"],
)
def test_bad_files_fail_with_a_message_naming_the_file(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ArticleError) as error:
        read_article(path)
    text = str(error.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ArticleError, match="no such file"):
        read_article(tmp_path / "nope.txt")
    with pytest.raises(ArticleError, match="is a folder"):
        read_article(tmp_path)


def test_decode_names_the_source():
    with pytest.raises(ArticleError, match="^<stdin>: is empty"):
        decode_article(b"", "<stdin>")
