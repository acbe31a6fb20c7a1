"""Reading article files: bytes in any common encoding to text, or a clear error."""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from frames.errors import ArticleError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes other than tab, newline, form feed and carriage return.
_CONTROL = bytes(range(0, 9)) + b"\x0b" + bytes(range(14, 32))
_HIGH_RUN = re.compile(rb"[\xc0-\xff]+")


@dataclass(frozen=True)
class Article:
    """An article's decoded text, where it came from, and the encoding it was read with."""

    text: str
    name: str
    encoding: str


def decode_article(data: bytes, name: str = "<text>") -> Article:
    """Decode an article's bytes: BOM-marked Unicode, UTF-8, or a legacy single-byte encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), name, encoding)
            except UnicodeDecodeError as exc:
                raise ArticleError(
                    f"{name}: starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"(byte {exc.start}); re-save it as UTF-8"
                ) from None
    head = data[:65536]
    controls = len(head) - len(head.translate(None, _CONTROL))
    if b"\x00" in head or controls > max(8, len(head) // 100):
        raise ArticleError(f"{name}: looks like a binary file, not text; give a plain-text article")
    try:
        return _checked(data.decode("utf-8"), name, "utf-8")
    except UnicodeDecodeError:
        pass
    encoding = guess_single_byte(data)
    return _checked(data.decode(encoding, errors="replace"), name, encoding)


def guess_single_byte(data: bytes) -> str:
    """Tell cp1251 (Cyrillic) from cp1252 (Western) text that is not UTF-8.

    Cyrillic words are whole runs of bytes >= 0xC0 in cp1251, while Western European
    text has accented letters one or two at a time, so the mean run length tells them apart.
    """
    runs = _HIGH_RUN.findall(data)
    if runs and sum(map(len, runs)) / len(runs) >= 3:
        return "cp1251"
    return "cp1252"


def read_article(path: str | Path) -> Article:
    """Read one article file, or standard input when path is '-'."""
    if str(path) == "-":
        return decode_article(sys.stdin.buffer.read(), "<stdin>")
    return decode_article(read_article_bytes(path), str(path))


def read_article_bytes(path: str | Path) -> bytes:
    """An article file's raw bytes, or an ArticleError saying why they cannot be had."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ArticleError(f"{path}: is a folder; give an article file") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _checked(text: str, name: str, encoding: str) -> Article:
    if not text.strip():
        raise ArticleError(f"{name}: is empty; give an article with some text")
    return Article(text=text, name=name, encoding=encoding)
