"""The HTML article report: one self-contained page per article, and an index page for several.

A page shows the article's frame profile, its text with every frame-carrying sentence
highlighted (one colour per frame, intensity by score; a sentence with several frames gets a
badge and a stripe per frame, never a blend of colours the legend does not have), and the exact
explanation (frames.model.explain) of its EXPLAINED highest-scoring sentences in <details>
elements, the n-grams grouped by word (frames.show.words). Its title is the article's headline.
Style and script are inline and a Content-Security-Policy
forbids any request, so the page opens from disk with no network. HTML is written by hand, every
piece of text through html.escape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from frames.version import __version__
from frames.text.articles import Article
from frames.model.explain import FrameExplanation, SentenceExplanation, explain_sentences
from frames.model.scoring import Model, ModelIdentity
from frames.model.profile import ArticleResult, FrameProfile, ScoredSentence
from frames.show.words import WordPart, strongest_words
from frames.text.fragments import is_fragment

GENERATOR = "frames report"  # <meta name="generator"> of every page: how a report is told from other files
PAGE_KIND = "article"
INDEX_KIND = "index"
# Okabe & Ito's colour-blind-safe palette (black swapped for grey, to stay readable under text).
PALETTE = ("230 159 0", "86 180 233", "0 158 115", "204 121 167", "0 114 178", "213 94 0", "240 228 66", "153 153 153")
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
_ASSETS = Path(__file__).resolve().parent
ANALYZER_LABELS = {"word": "word", "char_wb": "char"}  # short names beside each n-gram
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
EXPLAINED = 50  # sentences explained on a page, the highest-scoring: every one costs ~8 ms (its n-grams grouped by word) and ~20 KB
HEADLINE_CHARS = 120  # a longer first line is cut at a word, with an ellipsis
FRAGMENT = "heading / fragment: not counted for the verdict"  # beside a sentence frames.text.fragments leaves out
NGRAMS_SHOWN = 4  # n-grams named under each word


@dataclass(frozen=True)
class ArticleReport:
    """Everything one page shows: the article, its profile, each sentence explained, and the model.

    explanations: one per sentence of result.sentences, in order, None for a sentence not explained
    (only the EXPLAINED highest-scoring are); each lists every n-gram, so that they can be grouped
    by word; created: when the report was made (UTC).
    """

    name: str
    text: str
    result: ArticleResult
    explanations: tuple[SentenceExplanation | None, ...]
    model: ModelIdentity
    trained_at: str
    created: str
    top: int = 5  # words listed each way per frame in each explanation

    @property
    def not_scored(self) -> str | None:
        """What the page says instead of scores, e.g. "not scored (Russian)"; None when it was scored."""
        return not_scored_label(self.result)

    @property
    def headline(self) -> str:
        """The article's headline, the page's title: see ``headline``."""
        first = self.result.sentences[0].text if self.result.sentences else ""
        return headline(self.text, first) or Path(self.name).name or self.name

    @property
    def n_explained(self) -> int:
        return sum(x is not None for x in self.explanations)


@dataclass(frozen=True)
class IndexEntry:
    """One article on the index page: its page, name, length and frame profile; ``not_scored`` says
    why it has no scores, e.g. "not scored (Russian)" (None: it was scored)."""

    href: str
    name: str
    n_sentences: int
    frames: tuple[FrameProfile, ...]
    not_scored: str | None = None


def not_scored_label(result: ArticleResult) -> str | None:
    """What the page and the index say of an article left unscored: "not scored (LANGUAGE)"; else None."""
    if result.scored:
        return None
    return f"not scored ({result.language.name})" if result.language is not None else "not scored"


def headline(text: str, first_sentence: str = "") -> str:
    """An article's headline: its first non-blank line, or its first sentence when that line runs on
    (longer than HEADLINE_CHARS: no headline, the text starts at once); cut at a word if still long."""
    line = next((" ".join(x.split()) for x in text.splitlines() if x.strip()), "")
    if len(line) > HEADLINE_CHARS and first_sentence:
        line = " ".join(first_sentence.split())
    if len(line) > HEADLINE_CHARS:
        line = line[:HEADLINE_CHARS].rsplit(" ", 1)[0].rstrip(",;:-") + "\u2026"
    return line


def build_report(model: Model, article: Article, top: int = 5, created: str | None = None,
                 any_language: bool = False, explained: int = EXPLAINED) -> ArticleReport:
    """Score an article and explain its ``explained`` highest-scoring sentences (by their highest
    frame score; ``top`` words each way per frame are shown) for its page.

    An article in another language than the model's is not scored (nor explained) unless ``any_language``.
    """
    result = model.classify(article.text, name=article.name, check_language=not any_language)
    explanations: tuple = ()
    if result.scored:
        chosen = sorted(sorted(result.sentences, key=lambda s: (-max(s.scores, default=0.0), s.index))[:explained],
                        key=lambda s: s.index)
        done = dict(zip((s.index for s in chosen), explain_sentences(model, [s.text for s in chosen], top=None)))
        explanations = tuple(done.get(s.index) for s in result.sentences)
    return ArticleReport(article.name, article.text, result, explanations, model.identity,
                         str(model.data.training.get("trained_at", "")), created or now(), top)


def now() -> str:
    """The current UTC time, as reports are stamped."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render_page(report: ArticleReport, index_href: str | None = None) -> str:
    """The whole HTML page of one article report; ``index_href`` links back to a corpus index."""
    frames = report.result.frames
    title = report.headline
    back = f'<p class="noprint"><a href="{escape(index_href)}">&larr; All articles</a></p>' if index_href else ""
    n = len(report.result.sentences)
    words = len(report.text.split())
    present = [f.name for f in frames if f.present]
    pushes = report.not_scored or (", ".join(present) if present else "none")
    return "".join([
        _head(f"{title}: frames report", PAGE_KIND, len(frames)),
        '<a class="skip" href="#text">Skip to the article text</a>\n<header>\n', back,
        f"<h1>{escape(title)}</h1>\n",
        f'<p class="meta">{escape(report.name)} &middot; {n} sentence{"" if n == 1 else "s"}, {words} words &middot; '
        f'model <code>{escape(report.model.name)}</code> &middot; frames the article pushes: '
        f'{escape(pushes)}</p>\n',
        _profile(report), _filters(frames) if report.result.scored else "", "</header>\n",
        '<main class="layout">\n<div>\n',
        _article(report), *((_evidence(report), _explanations(report, report.top)) if report.result.scored else ()),
        "</div>\n", _panel(), "</main>\n",
        _footer(report.model, report.trained_at, frames, report.created),
        f"<script>{_asset('report.js')}</script>\n</body>\n</html>\n",
    ])


def render_index(entries: list[IndexEntry], sort_by: str | None, model: ModelIdentity, trained_at: str,
                 created: str) -> str:
    """The index page of a corpus report: one row per article, sorted by ``sort_by``'s score if given."""
    frames = entries[0].frames if entries else ()
    rows = list(entries)
    caption = f"{len(rows)} article{'' if len(rows) == 1 else 's'}, in the order given"
    if sort_by is not None:
        j = [f.id for f in frames].index(sort_by)
        # stable: equal scores keep the order given; articles not scored come last
        rows.sort(key=lambda e: (e.not_scored is not None, -(e.frames[j].score or 0.0)))
        caption = (f"{len(rows)} article{'' if len(rows) == 1 else 's'}, highest {frames[j].name} score first"
                   + (", those not scored last" if any(e.not_scored for e in rows) else ""))
    head = "".join(f'<th scope="col" class="f{j}"><span class="sw"></span>{escape(f.name)}</th>'
                   for j, f in enumerate(frames))
    body = []
    mark = ' &#10003;<span class="printonly"> present</span>'
    for e in rows:
        cells = f'<td class="rest" colspan="{len(frames)}">{escape(e.not_scored)}</td>' if e.not_scored else "".join(f'<td class="n{" on" if f.present else ""} f{j}">{_bar(f)}{f.score:.2f}{mark if f.present else ""}</td>'
                        for j, f in enumerate(e.frames))
        body.append(f'<tr><th scope="row"><a href="{escape(e.href)}">{escape(e.name)}</a></th>'
                    f'<td class="n">{e.n_sentences}</td>{cells}</tr>\n')
    return "".join([
        _head("frames report: index", INDEX_KIND, len(frames)),
        "<header>\n<h1>Frames across the articles</h1>\n",
        '<p class="meta">Each cell: the article score (its strongest sentence) with the frame\'s sentence threshold '
        "as a tick; &#10003; marks the article verdict &ldquo;present&rdquo;. Open an article to see its "
        "highlighted text and why each sentence scored as it did.</p>\n</header>\n<main>\n",
        f'<table class="index"><caption>{escape(caption)}</caption>\n<thead><tr><th scope="col">Article</th>'
        f'<th scope="col">Sentences</th>{head}</tr></thead>\n<tbody>\n', *body, "</tbody></table>\n</main>\n",
        _footer(model, trained_at, frames, created), "</body>\n</html>\n",
    ])


def _head(title: str, kind: str, n_frames: int) -> str:
    colours = "".join(f".f{j}{{--c:{PALETTE[j % len(PALETTE)]}}}" for j in range(n_frames))
    off = "".join(f".off-{j} .h.f{j}{{background:none;border-bottom-color:transparent}}.off-{j} .badge.f{j}{{display:none}}"
                  for j in range(n_frames))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{GENERATOR} {kind} {escape(__version__)}">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_asset('report.css')}{colours}\n{off}\n</style>\n"
        "</head>\n<body>\n"
    )


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _bar(f: FrameProfile) -> str:
    label = f"score {f.score:.2f}, sentence threshold {f.threshold:.2f}"
    return (f'<span class="bar" role="img" aria-label="{label}"><span class="fill" style="width:{100 * f.score:.1f}%">'
            f'</span><span class="tick" style="left:{100 * f.threshold:.1f}%"></span></span>')


def _profile(report: ArticleReport) -> str:
    if not report.result.scored:
        return ('<section aria-labelledby="profile-h">\n<h2 id="profile-h">Frame profile: '
                f'{escape(report.not_scored)}</h2>\n<p>{escape(report.result.unscored[0].upper() + report.result.unscored[1:])}'
                ", so the model's scores would mean nothing; none are shown. <code>frames report --any-language</code> "
                "scores it anyway.</p>\n</section>\n")
    sentences = report.result.sentences
    rows = []
    for j, f in enumerate(report.result.frames):
        n_over = getattr(f, "n_over", None)
        if n_over is None:
            n_over = sum(f.id in s.frames for s in sentences)
        reason = getattr(f, "reason", "") or (
            f"{n_over} of {len(sentences)} sentences reach the sentence threshold {f.threshold:.2f}; "
            f"the strongest scores {f.score:.2f}")
        jump = f'<a href="#ev-{j}">evidence</a>' if n_over else "&mdash;"
        rows.append(
            f'<tr class="f{j}"><th scope="row"><span class="sw"></span>{escape(f.name)}</th>'
            f'<td class="n nowrap">{_bar(f)}{f.score:.2f}</td>'
            f'<td class="verdict-{"yes" if f.present else "no"}">{"present" if f.present else "absent"}</td>'
            f'<td class="n">{n_over} of {len(sentences)} ({100 * f.share:.0f}%)</td>'
            f"<td>{escape(reason)}</td><td>{jump}</td></tr>\n")
    return (
        '<section aria-labelledby="profile-h">\n<h2 id="profile-h">Frame profile</h2>\n'
        "<table class=\"profile\"><caption>Bar: the article score, its strongest sentence's probability; "
        "tick: the frame's sentence threshold. The verdict is the model's article rule.</caption>\n"
        '<thead><tr><th scope="col">Frame</th><th scope="col">Article score</th><th scope="col">Verdict</th>'
        '<th scope="col">Sentences over threshold</th><th scope="col">Why</th><th scope="col">Jump</th></tr></thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody></table>\n</section>\n"
    )


def _filters(frames: tuple[FrameProfile, ...]) -> str:
    boxes = "".join(f'<label class="f{j}"><input type="checkbox" value="{j}" checked><span class="sw"></span>'
                    f"{escape(f.name)}</label>" for j, f in enumerate(frames))
    return f'<fieldset id="filters" class="filters" hidden><legend>Highlight frames</legend>{boxes}</fieldset>\n'


def _article(report: ArticleReport) -> str:
    text, sentences = report.text, report.result.sentences
    frames = report.result.frames
    explained = {s.index for s, x in zip(sentences, report.explanations) if x is not None}
    paragraphs = []
    i = 0
    for a, b in _paragraphs(text):
        parts = []
        position = a
        while i < len(sentences) and sentences[i].start < b:
            s = sentences[i]
            start, end = max(s.start, a), min(s.end, b)
            if start > position:
                parts.append(escape(text[position:start]))
            parts.append(_sentence(s, text[start:end], frames, first=start == s.start, explained=s.index in explained))
            position = end
            if s.end > b:  # the sentence runs on into the next paragraph
                break
            i += 1
        if position < b:
            parts.append(escape(text[position:b]))
        paragraphs.append(f"<p>{''.join(parts)}</p>\n")
    hint = ('<p class="hint noprint">Highlighted: sentences over a frame\'s threshold, one colour per frame, '
            "stronger for higher scores; a sentence with several frames has a badge and a stripe for each. "
            "Dashed: a heading or fragment, not counted for the verdict. "
            "Hover, focus or click one to see why it scored as it did.</p>\n"
            if report.result.scored else "")
    return (
        '<article id="text" aria-labelledby="text-h">\n<h2 id="text-h">The article</h2>\n'
        f"{hint}{''.join(paragraphs)}</article>\n"
    )


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """[start, end) of each paragraph (text between blank lines), outer whitespace left out."""
    spans = []
    start = 0
    for gap in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = gap.start() if gap else len(text)
        chunk = text[start:end]
        if chunk.strip():
            spans.append((start + len(chunk) - len(chunk.lstrip()), start + len(chunk.rstrip())))
        if gap:
            start = gap.end()
    return spans


def _sentence(s: ScoredSentence, text: str, frames: tuple[FrameProfile, ...], first: bool,
              explained: bool = True) -> str:
    ident = f' id="s{s.index}"' if first else ""
    carried = sorted((j for j, f in enumerate(frames) if f.id in s.frames), key=lambda j: -s.scores[j])
    if not carried:
        return f'<span class="s"{ident} data-i="{s.index}">{escape(text)}</span>'
    inner = escape(text)
    for depth, j in enumerate(reversed(carried), 1):  # the strongest frame outermost
        inner = f'<span class="h f{j}" style="--a:{_intensity(s.scores[j], frames[j].threshold):.2f};--d:{depth}">{inner}</span>'
    title = "; ".join(f"{frames[j].name} {s.scores[j]:.2f}" for j in carried)
    fragment = is_fragment(s.text)
    if fragment:
        title += f" ({FRAGMENT})"
    classes = "s" + (" multi" if len(carried) > 1 else "") + (" frag" if fragment else "")
    badges = ""
    if len(carried) > 1 and first:  # one badge per frame, in the legend's own colours
        badges = '<span class="badges" aria-hidden="true">' + "".join(
            f'<span class="badge f{j}"></span>' for j in carried) + "</span>"
    if not explained:  # no details on the page to link to
        return f'<span class="{classes}"{ident} data-i="{s.index}" title="{escape(title)}">{badges}{inner}</span>'
    return f'<a class="{classes}"{ident} data-i="{s.index}" href="#x{s.index}" title="{escape(title)}">{badges}{inner}</a>'


def _intensity(score: float, threshold: float) -> float:
    """Colour strength in [0.35, 1]: faint at the threshold, full at probability 1."""
    return 0.35 + 0.65 * min(1.0, max(0.0, (score - threshold) / max(1.0 - threshold, 1e-9)))


def _evidence(report: ArticleReport) -> str:
    sentences = report.result.sentences
    parts = []
    for j, f in enumerate(report.result.frames):
        carrying = sorted((s for s in sentences if f.id in s.frames), key=lambda s: (-s.scores[j], s.index))
        if not carrying:
            continue
        items = "".join(f'<li><a href="#s{s.index}">{s.scores[j]:.2f}</a> {escape(s.text)}</li>' for s in carrying)
        parts.append(f'<section id="ev-{j}" class="f{j}" aria-labelledby="ev-{j}-h"><h3 id="ev-{j}-h">'
                     f'<span class="sw"></span>{escape(f.name)}: {len(carrying)} sentence'
                     f'{"" if len(carrying) == 1 else "s"}, strongest first</h3><ol>{items}</ol></section>\n')
    body = "".join(parts) or "<p>No sentence reaches any frame's threshold.</p>\n"
    return (f'<section id="evidence" class="evidence" aria-labelledby="evidence-h">\n'
            f'<h2 id="evidence-h">Evidence by frame</h2>\n{body}</section>\n')


def _explanations(report: ArticleReport, top: int = 5) -> str:
    frames = report.result.frames
    items = []
    for s, x in zip(report.result.sentences, report.explanations):
        if x is None:
            continue
        chips = "".join(f'<span class="chip f{j}">{escape(frames[j].name)} {s.scores[j]:.2f}</span>'
                        for j in range(len(frames)) if frames[j].id in s.frames)
        fragment = f'<small class="fragment">{FRAGMENT}</small> ' if is_fragment(s.text) else ""
        rows = "".join(_why_row(j, f, s.text, top) for j, f in enumerate(x.frames))
        items.append(
            f'<details id="x{s.index}"><summary><span class="num">{s.index}</span> {chips}{fragment}{escape(s.text)}</summary>'
            '<table class="why"><thead><tr><th scope="col">Frame</th><th scope="col">Probability</th>'
            '<th scope="col">Logit = intercept + n-grams</th><th scope="col">Words pushing towards</th>'
            f'<th scope="col">Words pushing away</th></tr></thead><tbody>{rows}</tbody></table></details>\n')
    n, shown = len(report.result.sentences), report.n_explained
    capped = ("" if shown == n else
              f'<p class="hint capped">Explained here: the {shown} highest-scoring of the {n} sentences, so that '
              f"the page stays small; <code>frames explain {escape(report.name)} --sentence N</code> explains "
              "any other.</p>\n")
    return (
        '<section id="explanations" aria-labelledby="explanations-h">\n'
        '<h2 id="explanations-h">Why each sentence scored as it did</h2>\n'
        "<p class=\"hint\">The model is linear, so each frame's logit is exactly its intercept plus one part per "
        "n-gram in the sentence: the n-gram's tf-idf value times the frame's coefficient. Each character "
        "n-gram's part is put under the word it comes from, so the parts read as words: the strongest words "
        "are listed with their n-grams, the rest are summed. <code>␣</code> marks a word edge in a character "
        "n-gram. The probability is the model's, from the logit.</p>\n"
        f"{capped}{''.join(items)}</section>\n"
    )


def _why_row(j: int, f: FrameExplanation, text: str, top: int) -> str:
    verdict = f'<span class="verdict-yes"> &#10003; over {f.threshold:.2f}</span>' if f.present \
        else f'<span class="rest"> under {f.threshold:.2f}</span>'
    ngrams = sum(value for _, value in f.by_analyzer)
    split = ", ".join(f"{ANALYZER_LABELS.get(a, a)} n-grams {_signed(v)}" for a, v in f.by_analyzer)
    words = strongest_words(text, f.towards + f.away, top)
    towards, away = list(words.towards), list(words.away)
    rest = (f"<br>unlisted: {words.n_rest} word{'' if words.n_rest == 1 else 's'} {_signed(words.rest + f.rest)}"
            if words.n_rest else "")
    return (f'<tr class="f{j}"><th scope="row"><span class="sw"></span>{escape(f.name)}</th>'
            f'<td class="n">{f.probability:.2f}{verdict}</td>'
            f'<td class="n">{_number(f.logit)} = {_number(f.intercept)} {_signed(ngrams, " ")}'
            f'<br><span class="rest">{split}{rest}</span></td>'
            f'<td><ol class="ng">{_words(towards)}</ol></td><td><ol class="ng">{_words(away)}</ol></td></tr>')


def _words(words: list[WordPart]) -> str:
    items = []
    for w in words:
        named = ", ".join(escape(c.term) for c in w.ngrams[:NGRAMS_SHOWN])
        more = f" +{len(w.ngrams) - NGRAMS_SHOWN}" if len(w.ngrams) > NGRAMS_SHOWN else ""
        items.append(f'<li><code>{escape(w.word)}</code> <span class="{"plus" if w.value > 0 else "minus"}">'
                     f"{_signed(w.value)}</span><br><small>{named}{more}</small></li>")
    return "".join(items)


def _number(value: float) -> str:
    return f"{value:.2f}" if value >= 0 else f"&minus;{-value:.2f}"


def _signed(value: float, space: str = "") -> str:
    return f"+{space}{value:.2f}" if value >= 0 else f"&minus;{space}{-value:.2f}"


def _panel() -> str:
    return ('<aside id="why" aria-live="polite" aria-label="Why the sentence scored as it did" hidden>'
            '<h2>Why this sentence?</h2><p class="hint">Hover, focus or click a sentence to see its scores '
            "and the n-grams that pushed them.</p></aside>\n")


def _footer(model: ModelIdentity, trained_at: str, frames: tuple[FrameProfile, ...], created: str) -> str:
    thresholds = ", ".join(f"{f.name} {f.threshold:.3f}" for f in frames)
    return (
        "<footer>\n<dl>\n"
        f"<dt>Model</dt><dd><code>{escape(model.name)}</code>"
        f"{f', trained {escape(trained_at)}' if trained_at else ''}</dd>\n"
        f"<dt>Training data sha256</dt><dd><code>{escape(model.data_sha256 or 'unknown')}</code></dd>\n"
        f"<dt>Sentence thresholds</dt><dd>{escape(thresholds)}</dd>\n"
        f"<dt>Written</dt><dd>{escape(created)} by frames {escape(__version__)}</dd>\n"
        "</dl>\n</footer>\n"
    )
