"""Reading article files: bytes in any common encoding to text, or a clear error."""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from frames.errors import ArticleError
from frames.text.webpage import EXTRACTOR, extract_article, looks_like_html

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes other than tab, newline, form feed and carriage return.
_CONTROL = bytes(range(0, 9)) + b"\x0b" + bytes(range(14, 32))
# Bytes that are not UTF-8, as surrogateescape decodes them; and the non-ASCII characters that are.
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)
_ESCAPED = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
# A corpus file (frames.text.corpus: one article a row) is known by its name; `frames classify`
# refuses one without importing the corpus readers.
CORPUS_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".jsonl.gz", ".ndjson.gz", ".csv.gz")
# Legacy single-byte encodings charset-normalizer chooses among; on a near tie, the first listed
# (the more common in news) wins: short texts fit cp1251 and mac_cyrillic, or cp1252 and cp1250, alike.
LEGACY_ENCODINGS = ("cp1251", "cp1252", "koi8_r", "cp866", "iso8859_5", "cp1250", "iso8859_2", "iso8859_15",
                    "cp1253", "cp1254", "cp1257", "koi8_u", "kz1048", "mac_cyrillic", "latin_1")


def is_corpus(path: str | Path) -> bool:
    """Whether a path names a corpus file (by its extension), not a plain-text article."""
    name = Path(path).name.lower()
    return name.endswith(CORPUS_SUFFIXES)


@dataclass(frozen=True)
class Article:
    """An article's decoded text, where it came from, and how it was read.

    bad_bytes: bytes that were not valid in a mostly UTF-8 file, each replaced by U+FFFD;
    format: "text", or "html" when ``text`` is the article text extracted from a web page
    (character offsets then point into the extracted text).
    """

    text: str
    name: str
    encoding: str
    bad_bytes: int = 0
    format: str = "text"

    def notes(self) -> list[str]:
        """What a reader of the scores should know about how the article was read, one line each."""
        notes = []
        if self.bad_bytes:
            notes.append(f"{self.name}: {self.bad_bytes} byte{'' if self.bad_bytes == 1 else 's'} not valid UTF-8, "
                         f"each replaced by U+FFFD")
        if self.format == "html":
            notes.append(f"{self.name}: a web page; scored the article text extracted from it with {EXTRACTOR} "
                         f"({len(self.text):,} characters); offsets point into that text")
        return notes


def decode_article(data: bytes, name: str = "<text>") -> Article:
    """Decode an article's bytes (BOM-marked Unicode, UTF-8, or a legacy single-byte encoding);
    a web page becomes the article text extracted from it."""
    text, encoding, bad = decode_text(data, name)
    if looks_like_html(text, name):
        return _checked(extract_article(text, name), name, encoding, bad, "html")
    return _checked(text, name, encoding, bad)


def decode_text(data: bytes, name: str = "<text>") -> tuple[str, str, int]:
    """An article's bytes as text: (text, encoding, number of invalid bytes replaced by U+FFFD).

    UTF-8 is taken when the file has at least as many valid non-ASCII UTF-8 characters as invalid
    bytes (one bad byte must not turn every quote into mojibake); otherwise charset-normalizer
    picks a legacy single-byte encoding.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, 0
            except UnicodeDecodeError as exc:
                raise ArticleError(
                    f"{name}: starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"(byte {exc.start}); re-save it as UTF-8"
                ) from None
    head = data[:65536]
    controls = len(head) - len(head.translate(None, _CONTROL))
    if b"\x00" in head or controls > max(8, len(head) // 100):
        utf16 = utf16_without_bom(head)
        if utf16:
            raise ArticleError(f"{name}: looks like {utf16} text without a byte-order mark; "
                               f"re-save it as UTF-8 (or as UTF-16 with a byte-order mark)")
        raise ArticleError(f"{name}: looks like a binary file, not text; give a plain-text article")
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED.findall(escaped))
    if bad <= len(_NON_ASCII.findall(escaped)):
        return _ESCAPED.sub("\ufffd", escaped), "utf-8", bad
    encoding = guess_single_byte(data)
    if encoding is None:
        raise ArticleError(f"{name}: is not UTF-8 and its encoding cannot be told; re-save it as UTF-8")
    return data.decode(encoding, errors="replace"), encoding, 0


def guess_single_byte(data: bytes) -> str | None:
    """The legacy single-byte encoding of text that is not UTF-8 (cp1251, KOI8-R, cp866, cp1252...),
    as charset-normalizer judges it; None when no candidate reads as text."""
    from charset_normalizer import from_bytes  # only here: most articles are UTF-8

    declared = _declared_charset(data)
    matches = [m for m in from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)) if m.encoding in LEGACY_ENCODINGS]
    if declared and any(declared in m.could_be_from_charset for m in matches):
        return declared
    if not matches:
        return None
    best = min(matches, key=lambda m: (m.chaos, -m.coherence))
    near = [name for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05
            for name in m.could_be_from_charset if name in LEGACY_ENCODINGS]  # encodings giving the same text too
    return min(near or [best.encoding], key=LEGACY_ENCODINGS.index)


def utf16_without_bom(head: bytes) -> str | None:
    """"UTF-16LE" or "UTF-16BE" when bytes with NULs read as ordinary text in that byte order, else None.

    Text in one alphabet has few distinct high bytes (0 for ASCII, 4 for Cyrillic...), and
    decoded it is printable; random binary data is neither.
    """
    even = head[:len(head) - len(head) % 2]
    best, share = None, 0.0
    for encoding, label, high in (("utf-16-le", "UTF-16LE", even[1::2]), ("utf-16-be", "UTF-16BE", even[0::2])):
        common = sorted((high.count(bytes([b])) for b in set(high)), reverse=True)[:2]
        if len(high) < 4 or b"\x00" not in high or sum(common) < 0.9 * len(high):
            continue
        try:
            text = even.decode(encoding)
        except UnicodeDecodeError:
            try:  # the head may end inside a surrogate pair
                text = even[:-2].decode(encoding)
            except UnicodeDecodeError:
                continue
        if text:
            printable = sum(c.isprintable() or c in "\t\n\r" for c in text) / len(text)
            if printable > share:
                best, share = label, printable
    return best if share >= 0.95 else None


def _declared_charset(data: bytes) -> str | None:
    """The charset a web page declares in its first 2 KB (<meta charset=...>), as a codec name, if any."""
    found = _META_CHARSET.search(data[:2048])
    if not found:
        return None
    try:
        return codecs.lookup(found.group(1).decode("ascii")).name.replace("-", "_")
    except (LookupError, UnicodeDecodeError):
        return None


MAX_ARTICLE_BYTES = 64 * 2**20  # far beyond any article; stops /dev/zero or a disk image from filling memory


def read_article(path: str | Path) -> Article:
    """Read one article file, or standard input when path is '-'."""
    if str(path) == "-":
        return decode_article(_read_limited(sys.stdin.buffer, "<stdin>"), "<stdin>")
    return decode_article(read_article_bytes(path), str(path))


def _read_limited(stream, name: str) -> bytes:
    """At most MAX_ARTICLE_BYTES from a binary stream; more is an ArticleError, not an article."""
    data = stream.read(MAX_ARTICLE_BYTES + 1)
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{name}: larger than {MAX_ARTICLE_BYTES} bytes, too large to be an article; "
                           f"give an article file")
    return data


def read_article_bytes(path: str | Path) -> bytes:
    """An article file's raw bytes, or an ArticleError saying why they cannot be had."""
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            return _read_limited(stream, str(path))
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ArticleError(f"{path}: is a folder; give an article file") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _checked(text: str, name: str, encoding: str, bad_bytes: int = 0, format: str = "text") -> Article:
    if not text.strip():
        raise ArticleError(f"{name}: is empty; give an article with some text")
    return Article(text=text, name=name, encoding=encoding, bad_bytes=bad_bytes, format=format)
