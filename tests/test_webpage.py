"""Web pages: detected, their article text extracted (no tags, no navigation), offsets into that text, and said so."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from frames import ArticleError, decode_article
from frames.cli import app
from frames.text.webpage import looks_like_html

runner = CliRunner()

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Moscow and Astana | World News</title>
<style>body { font-family: serif; }</style><script>var tracker = "should never be scored";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>
<article>
<h1>Moscow accuses the West of meddling</h1>
<p>Officials in Moscow accused Western capitals of trying to set Astana against its closest ally, the ministry said.</p>
<p>Despite the restrictions, bilateral trade between Russia and Kazakhstan hit a record last year, rising by a fifth.</p>
<p>The two governments will meet again in the capital on Thursday to discuss new joint energy projects.</p>
</article>
<footer>Copyright 2024 World News. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>
"""


@pytest.mark.parametrize(("text", "name", "expected"), [
    (PAGE, "a.txt", True),
    ("<html><body><p>Trade grew.</p></body></html>", "a.txt", True),
    ("  <!-- saved page -->\n<!doctype html><p>Trade grew.</p>", "a.txt", True),
    ("<div><p>Trade grew.</p><p>It rained.</p></div>", "a.txt", True),
    ("Trade grew.<br>It rained.", "a.html", True),
    ("Trade grew. It rained.", "a.html", False),  # named .html, but plain text
    ("Trade grew by 5% (<10% forecast). The <b> tag is bold.", "a.txt", False),
    ("<Moscow> said trade grew.</p> Not a page.", "a.txt", False),
])
def test_html_is_told_from_text(text, name, expected):
    assert looks_like_html(text, name) is expected


def test_a_page_becomes_its_article_text():
    article = decode_article(PAGE.encode("utf-8"), "page.html")
    assert article.format == "html" and article.encoding == "utf-8"
    assert "Officials in Moscow accused Western capitals" in article.text
    assert "Moscow accuses the West of meddling" in article.text
    for boilerplate in ("<p>", "tracker", "font-family", "Sport", "Subscribe", "Copyright"):
        assert boilerplate not in article.text
    assert article.notes() == [f"page.html: a web page; scored the article text extracted from it with trafilatura "
                               f"({len(article.text):,} characters); offsets point into that text"]


def test_classify_a_page_offsets_into_the_extracted_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    text = decode_article(PAGE.encode("utf-8"), str(path)).text
    assert out["format"] == "html" and out["scored"] is True and out["n_sentences"] >= 3
    for s in out["sentences"]:
        assert text[s["start"]:s["end"]] == s["text"] and "<" not in s["text"]
    assert result.stderr.startswith(f"note: {path}: a web page; scored the article text extracted")


def test_a_page_without_text_is_an_error():
    with pytest.raises(ArticleError, match="^x.html: is a web page \\(HTML\\) with no article text"):
        decode_article(b"<html><head><script>var a = 1;</script></head><body><div></div></body></html>", "x.html")


def test_without_the_extra_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import trafilatura now raises ImportError
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path}: is a web page (HTML); extracting its article text needs the html "
                             f"extra: pip install 'frames[html]' (from a checkout: pip install '.[html]'), "
                             f"or save the article as plain text\n")


def test_classify_never_imports_the_extractor_for_plain_text(article):
    import subprocess

    code = ("import sys; from frames.cli import main; sys.argv = ['frames', 'classify', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('trafilatura', 'lxml', 'charset_normalizer') if m in sys.modules], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(article)], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<br>", "<html>", "<script>", "</script>",
                                 "Trade grew. ", "Москва. ", "&amp;", "<!--", "-->", "<", ">", "\x00", " "]),
                max_size=40))
def test_hostile_markup_decodes_or_fails_cleanly(pieces):
    try:
        article = decode_article("".join(pieces).encode("utf-8"), "x.html")
    except ArticleError as error:
        assert str(error).startswith("x.html: ") and "\n" not in str(error)
        return
    assert article.text.strip()
