"""Web pages as articles: tell HTML from plain text, and extract the article text from a page.

Detection is a few regular expressions on the start of the text, so plain articles pay nothing.
Extraction uses trafilatura (the `html` extra), imported only when a page is met: it keeps the
article's headings and paragraphs and drops navigation, scripts, footers and comments.
"""

from __future__ import annotations

import re

from frames.errors import ArticleError, install_extra

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
# A document that opens like a page: an optional XML declaration and comments, then a page-level tag.
_PAGE_START = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)
_BLOCK_END = re.compile(r"</(?:p|div|article|section|h[1-6]|li|td|blockquote|span)\s*>|<br\s*/?>", re.IGNORECASE)
EXTRACTOR = "trafilatura"


def looks_like_html(text: str, name: str = "") -> bool:
    """Whether decoded text is a web page: it opens with <!DOCTYPE html>, <html>, <head> or <body>,
    or it is markup made of block tags (starting with a tag, or in a file named *.html)."""
    head = text[:4096]
    if _PAGE_START.match(head):
        return True
    starts_with_tag, named = head.lstrip().startswith("<"), name.lower().endswith(HTML_SUFFIXES)
    if not (starts_with_tag or named):  # plain articles stop here, at no cost
        return False
    blocks = len(_BLOCK_END.findall(head))
    return blocks >= (1 if named else 2)


def extract_article(html: str, name: str = "<html>") -> str:
    """The article text of a web page (headings and paragraphs, one a line), or an ArticleError."""
    try:
        import trafilatura
    except ImportError:
        raise ArticleError(f"{name}: is a web page (HTML); extracting its article text needs the html extra: "
                           f"{install_extra('html')}, or save the article as plain text") from None
    import logging

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its own warnings are about the page, not for users
    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False, include_links=False,
                                   include_images=False, with_metadata=False)
        if not text or not text.strip():
            # Pages too short for trafilatura's article heuristics: all the visible text.
            text = trafilatura.html2txt(html)
    except Exception as exc:  # a parser meeting broken markup: the user's file, not a bug to show as a traceback
        raise ArticleError(f"{name}: is a web page (HTML) that {EXTRACTOR} cannot read "
                           f"({type(exc).__name__}); save the article as plain text") from None
    if not text or not text.strip():
        raise ArticleError(f"{name}: is a web page (HTML) with no article text found in it")
    return text
