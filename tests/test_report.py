"""The HTML article report: highlights, explanations, offline and well-formed pages, safe writing, a real browser."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frames import load_model, read_article
from frames.cli import app
from frames.model.explain import explain_sentences
from frames.show.report import build_report, render_page
from frames.show.words import by_word
from frames.show.report_files import is_report, write_article_report

from conftest import DEFAULT_MODEL

runner = CliRunner()
CREATED = "2024-01-02 03:04 UTC"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PNG = b"\x89PNG\r\n\x1a\n"


def run(*args, input: str | bytes | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


class Page(HTMLParser):
    """A report page read back: tag balance, ids, links, and each sentence's text and highlight classes."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.root: dict = {}
        self.article: list[str] = []
        self.sentences: dict[int, dict] = {}
        self.details: dict[str, list[str]] = {}
        self.panel: list[str] = []
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed: {[t for t, _ in self.stack]}")

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "html":
            self.root = a
        if "id" in a:
            self.ids.append(a["id"])
        self.links += [a[k] for k in ("href", "src", "action", "poster", "srcset") if k in a]
        if tag not in VOID:
            self.stack.append((tag, a))
        if "s" in a.get("class", "").split() and "data-i" in a and "id" in a:
            self.sentences[int(a["data-i"])] = {"tag": tag, "text": [], "frames": set()}

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        classes = [set(a.get("class", "").split()) for _, a in self.stack]
        ids = [a.get("id", "") for _, a in self.stack]
        if "text" in ids and not {"hint"} & set().union(*classes) and self.stack[-1][0] != "h2":
            self.article.append(data)
        sentence = next((int(a["data-i"]) for _, a in reversed(self.stack)
                         if "s" in a.get("class", "").split() and "data-i" in a), None)
        if sentence is not None and sentence in self.sentences:
            self.sentences[sentence]["text"].append(data)
            self.sentences[sentence]["frames"] |= {c for cs in classes if "h" in cs for c in cs if c.startswith("f")}
        if "why" in ids:
            self.panel.append(data)
        detail = next((i for i in reversed(ids) if i.startswith("x")), None)
        if detail:
            self.details.setdefault(detail, []).append(data)


@pytest.fixture(scope="module")
def model():
    return load_model(DEFAULT_MODEL)


@pytest.fixture
def report(model, article):
    return build_report(model, read_article(article), top=3, created=CREATED)


def number(value: float) -> str:
    """A number as the page shows it (read back as text: &minus; is U+2212)."""
    return f"{value:.2f}" if value >= 0 else f"\u2212{-value:.2f}"


def squash(text: str) -> str:
    return " ".join(text.split())


def test_every_frame_carrying_sentence_is_highlighted_in_each_of_its_frames(report):
    frames = report.result.frames
    if not any(s.frames for s in report.result.sentences):  # a model that flags nothing here still gets tested
        report = carrying(report, 1, {frames[0].id: 0.9})
    page = Page(render_page(report))
    assert sorted(page.sentences) == [s.index for s in report.result.sentences]
    for s in report.result.sentences:
        shown = page.sentences[s.index]
        assert shown["frames"] == {f"f{j}" for j, f in enumerate(frames) if f.id in s.frames}
        assert shown["tag"] == ("a" if s.frames else "span")
        assert squash("".join(shown["text"])) == squash(s.text)


def carrying(report, index: int, scores: dict[str, float]):
    """The report with sentence ``index`` carrying exactly the frames in ``scores``, at those scores.

    Rendering reads the scores it is given, so this tests the page whatever the model flags.
    """
    result = report.result
    s = result.sentences[index]
    new = replace(s, scores=tuple(scores.get(f.id, 0.0) for f in result.frames),
                  frames=tuple(f.id for f in result.frames if f.id in scores))
    sentences = tuple(new if x.index == index else x for x in result.sentences)
    return replace(report, result=replace(result, sentences=sentences))


def test_a_sentence_with_several_frames_shows_all_of_them_strongest_outermost(report):
    ids = [f.id for f in report.result.frames]
    forced = carrying(report, 2, {ids[0]: 0.6, ids[-1]: 0.95})
    html = render_page(forced)
    assert Page(html).sentences[2]["frames"] == {"f0", f"f{len(ids) - 1}"}
    start = html.index('id="s2"')
    assert html.index(f'<span class="h f{len(ids) - 1}"', start) < html.index('<span class="h f0"', start)
    assert 'title="' + f"{forced.result.frames[-1].name} 0.95; {forced.result.frames[0].name} 0.60" + '"' in html


def read_article_text(text: str):
    from frames.text.articles import decode_article

    return decode_article(text.encode("utf-8"), "inline.txt")


def test_the_page_keeps_the_article_text_and_its_paragraphs(report, article):
    page = Page(render_page(report))
    assert squash("".join(page.article)) == squash(article.read_text("utf-8"))
    html = render_page(report)
    body = html[html.index('<article id="text"'):html.index("</article>")]
    assert body.count("<p>") == 2  # the headline and the paragraph under it


def test_the_page_is_well_formed_offline_and_self_contained(report):
    html = render_page(report)
    page = Page(html)
    assert page.problems == []
    assert len(page.ids) == len(set(page.ids))
    assert all(link.startswith("#") for link in page.links), [x for x in page.links if not x.startswith("#")]
    assert all(link[1:] in page.ids for link in page.links)  # every jump lands somewhere
    assert not {"link", "img", "iframe", "object", "embed", "audio", "video", "source"} & set(page.tags)
    assert "http://" not in html and "https://" not in html and "url(" not in html and "@import" not in html
    assert "default-src 'none'" in html and html.count("<script>") == 1 and html.count("<style>") == 1


def test_markup_in_the_article_is_shown_as_text(model):
    text = 'Headline <b>bold</b> & "quotes"\n\nOfficials said <script>alert("x")</script> Western forces meddle.\n'
    report = build_report(model, read_article_text(text), created=CREATED)
    report = carrying(carrying(report, 0, {}), 1, {model.frames[0]: 0.9})  # one plain sentence, one highlighted
    html = render_page(report)
    assert "<script>alert" not in html and "<b>bold" not in html
    page = Page(html)
    assert page.sentences[0]["tag"] == "span" and page.sentences[1]["tag"] == "a"
    assert squash("".join(page.article)) == squash(text)


def test_each_sentence_has_details_with_scores_and_top_words(model, report):
    page = Page(render_page(report))
    explained = explain_sentences(model, [s.text for s in report.result.sentences], top=None)
    for s, x in zip(report.result.sentences, explained):
        details = "".join(page.details[f"x{s.index}"])
        for f, score in zip(x.frames, s.scores):
            assert f.name in details and f"{score:.2f}" in details and f"{number(f.logit)} = {number(f.intercept)}" in details
            words = by_word(s.text, f.towards + f.away)
            for w in [w for w in words if w.value > 0][:3] + [w for w in reversed(words) if w.value < 0][:3]:
                shown = f"+{w.value:.2f}" if w.value >= 0 else f"\u2212{-w.value:.2f}"
                assert f"{w.word} {shown}" in details
        assert f'<details id="x{s.index}">' in render_page(report)


def test_character_ngrams_read_as_the_words_they_come_from(model):
    text = "Western sanctions failed to stop trade, officials said."
    (x,) = explain_sentences(model, [text], top=None)
    for f in x.frames:
        parts = f.towards + f.away
        words = by_word(text, parts)
        assert sum(w.value for w in words) == pytest.approx(sum(c.value for c in parts))  # nothing lost or counted twice
        assert sum(w.value for w in words) == pytest.approx(f.logit - f.intercept, abs=1e-6)
        assert [w.value for w in words] == sorted((w.value for w in words), reverse=True)
        named = {w.word for w in words}
        assert {"sanctions", "trade", "officials"} <= named  # "trade," is the word trade
        sanctions = next(w for w in words if w.word == "sanctions")
        assert any(c.analyzer == "char_wb" and "sanc" in c.raw for c in sanctions.ngrams)
        assert all(c.analyzer == "word" or c.raw in " sanctions " for c in sanctions.ngrams)


def test_by_word_shares_an_ngram_between_the_words_holding_it():
    from frames.model.explain import Contribution

    def part(raw, analyzer, value):
        return Contribution(raw, raw, analyzer, 1, 1.0, value, value)

    words = by_word("Trade trades. Western trade", [part("trad", "char_wb", 0.9), part(" wes", "char_wb", -0.4),
                                                    part("western trade", "word", 0.2), part("trade", "word", 0.1)])
    got = {w.word: round(w.value, 6) for w in words}
    assert got == {"trade": round(0.9 * 2 / 3 + 0.1, 6), "trades": round(0.9 / 3, 6), "western": -0.4,
                   "western trade": 0.2}
    assert [w.word for w in words] == ["trade", "trades", "western trade", "western"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Moscow accuses the West of meddling\n\nOfficials said so.", "Moscow accuses the West of meddling"),
    ("\n\n  Trade   grows \nMore text.", "Trade grows"),
    ("Officials in Moscow accused Western capitals of meddling. Then they said much more about trade, the "
     "sanctions and the closest ally of the country.", "Officials in Moscow accused Western capitals of meddling."),
    ("word " * 60, "word " * 23 + "word\u2026"),
])
def test_headline_is_the_first_line_or_sentence(model, text, expected):
    report = build_report(model, read_article_text(text), created=CREATED)
    assert report.headline == expected
    html = render_page(report)
    assert f"<title>{expected}: frames report</title>" in html and f"<h1>{expected}</h1>" in html
    assert "inline.txt" in html  # the file is still named, under the title


def test_a_sentence_with_several_frames_gets_a_badge_and_a_stripe_per_frame_never_a_blend(report):
    ids = [f.id for f in report.result.frames]
    html = render_page(carrying(carrying(report, 2, {ids[0]: 0.6, ids[-1]: 0.95}), 1, {ids[0]: 0.9}))
    last = len(ids) - 1
    start = html.index('id="s2"')
    sentence = html[html.rindex("<a ", 0, start):html.index("</a>", start)]
    assert 'class="s multi"' in sentence
    assert f'<span class="badges" aria-hidden="true"><span class="badge f{last}"></span><span class="badge f0"></span></span>' in sentence
    assert ".multi .h { background: none; border-bottom-color: rgb(var(--c)); }" in html  # full legend colours
    one = html[html.rindex("<a ", 0, html.index('id="s1"')):]
    assert one.startswith('<a class="s" id="s1"') and "badge" not in one[:one.index("</a>")]  # one frame: its tint
    assert f".off-{last} .badge.f{last}{{display:none}}" in html
    assert Page(html).sentences[2]["frames"] == {"f0", f"f{last}"}


def test_a_heading_is_marked_as_a_fragment_not_counted(report):
    html = render_page(carrying(report, 0, {report.result.frames[0].id: 0.9}))  # the headline carries a frame
    first = html[html.rindex("<a ", 0, html.index('id="s0"')):]
    assert first.startswith('<a class="s frag" id="s0"') and "heading / fragment: not counted" in first
    assert '<small class="fragment">heading / fragment: not counted for the verdict</small>' in html


def test_a_long_article_explains_only_its_highest_scoring_sentences_and_says_so(model, seeds):
    text = "\n\n".join(seed.read_text("utf-8") for seed in seeds[:3])
    report = build_report(model, read_article_text(text), created=CREATED, explained=4)
    n = len(report.result.sentences)
    html = render_page(report)
    page = Page(html)
    explained = [s for s, x in zip(report.result.sentences, report.explanations) if x is not None]
    best = sorted(report.result.sentences, key=lambda s: (-max(s.scores), s.index))[:4]
    assert sorted(s.index for s in explained) == sorted(s.index for s in best) and n > 4
    assert sorted(page.details) == sorted(f"x{s.index}" for s in best)
    assert f"the 4 highest-scoring of the {n} sentences" in html and "--sentence N</code> explains" in html
    assert page.problems == [] and all(link[1:] in page.ids for link in page.links)  # no link to a missing detail
    assert sorted(page.sentences) == [s.index for s in report.result.sentences]


def test_a_one_megabyte_article_gives_a_page_a_few_times_its_size(model, seeds, tmp_path):
    from frames.show.report import EXPLAINED

    big = tmp_path / "big.txt"
    big.write_text("\n\n".join([seeds[0].read_text("utf-8")] * 400)[:1_000_000], encoding="utf-8")
    out = tmp_path / "big.html"
    result = run("report", big, "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    assert html.count('<details id="x') == EXPLAINED and out.stat().st_size < 6_000_000
    assert f"the {EXPLAINED} highest-scoring of the" in html


def test_header_shows_each_frames_bar_threshold_verdict_and_reason(report):
    html = render_page(report)
    for j, f in enumerate(report.result.frames):
        row = html[html.index(f'<tr class="f{j}"><th scope="row"><span class="sw"></span>{f.name}'):]
        row = row[:row.index("</tr>")]
        assert f'style="width:{100 * f.score:.1f}%"' in row and f'style="left:{100 * f.threshold:.1f}%"' in row
        assert ("present" if f.present else "absent") in row
        reason = getattr(f, "reason", "")
        assert (reason or "sentences reach the sentence threshold") in row
        assert (f'href="#ev-{j}"' in row) == any(f.id in s.frames for s in report.result.sentences)


def test_filters_toggle_each_frame_and_footer_traces_the_model(model, report):
    html = render_page(report)
    for j, f in enumerate(report.result.frames):
        assert f'<input type="checkbox" value="{j}" checked>' in html
        assert f".off-{j} .h.f{j}{{background:none" in html
    footer = html[html.index("<footer>"):]
    assert model.identity.name in footer and model.identity.data_sha256 in footer and CREATED in footer
    assert all(f"{f.name} {f.threshold:.3f}" in footer for f in report.result.frames)


def test_cli_report_writes_a_page_and_replaces_only_a_report(article, tmp_path):
    out = tmp_path / "article.html"
    result = run("report", article, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out}\n" and is_report(out)
    again = run("report", article, "-o", out)
    assert again.exit_code == 1 and "already there; add --force" in again.stderr
    assert run("report", article, "-o", out, "--force").exit_code == 0
    notes = tmp_path / "notes.html"
    notes.write_text("<html>my notes</html>", encoding="utf-8")
    refused = run("report", article, "-o", notes, "--force")
    assert refused.exit_code == 1 and "not a frames report page" in refused.stderr
    assert notes.read_text("utf-8") == "<html>my notes</html>"
    assert run("report", article, "-o", tmp_path).exit_code == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def test_cli_report_reads_standard_input_and_prints_with_dash(article):
    result = run("report", "-", "-o", "-", input=article.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and "&lt;stdin&gt;" in result.stdout


def test_cli_corpus_report_writes_pages_and_an_index_sorted_by_a_frame(model, seeds, tmp_path):
    out = tmp_path / "reports"
    result = run("report", *seeds[:3], "-o", out, "--sort-by", "historical_unity")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*(s.stem + ".html" for s in seeds[:3]), "index.html"])
    index = (out / "index.html").read_text("utf-8")
    j = model.frames.index("historical_unity")
    scores = {s.stem: model.classify(s.read_text("utf-8")).frames[j].score for s in seeds[:3]}
    order = sorted(scores, key=lambda stem: -scores[stem])
    assert [index.index(f'href="{stem}.html"') for stem in order] == sorted(index.index(f'href="{stem}.html"') for stem in order)
    assert "highest Historical unity score first" in index and Page(index).problems == []
    page = (out / f"{seeds[0].stem}.html").read_text("utf-8")
    assert 'href="index.html"' in page and is_report(out / f"{seeds[0].stem}.html")


def test_cli_corpus_report_takes_a_folder_and_never_replaces_a_users_file(seeds, tmp_path):
    out = tmp_path / "reports"
    folder = tmp_path / "seeds"  # two of the seed articles: what is checked does not depend on how many
    folder.mkdir()
    for seed in seeds[:2]:
        shutil.copy(seed, folder / seed.name)
    assert run("report", folder, "-o", out).exit_code == 0
    assert len(list(out.glob("*.html"))) == 2 + 1
    assert run("report", folder, "-o", out).exit_code == 1  # a report folder: needs --force
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    assert run("report", folder, "-o", out, "--force").exit_code == 0
    assert (out / "mine.txt").read_text("utf-8") == "keep me"
    page = out / f"{seeds[1].stem}.html"
    page.write_text("my own page", encoding="utf-8")
    refused = run("report", folder, "-o", out, "--force")
    assert refused.exit_code == 1 and "not a frames report page" in refused.stderr
    assert page.read_text("utf-8") == "my own page"
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ideas.txt").write_text("do not lose me", encoding="utf-8")
    refused = run("report", folder, "-o", notes, "--force")
    assert refused.exit_code == 1 and "not a frames report folder" in refused.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("report", *seeds[:2], "-o", empty).exit_code == 0


def test_cli_corpus_report_skips_bad_articles_and_lists_them(seeds, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = run("report", seeds[0], bad, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "wrote 1 page and" in result.stdout and f"skipped {bad}: {bad}: is empty" in result.stderr


@pytest.mark.parametrize(("args", "code", "message"), [
    (["{a}", "-o", "x.html", "--sort-by", "historical_unity"], 2, "orders the index of several articles"),
    (["{a}", "-", "-o", "out"], 2, "cannot be mixed with other articles"),
    (["{a}", "{a}", "-o", "-"], 2, "give a folder, not -"),
    (["{a}", "{a}", "-o", "out", "--sort-by", "weather"], 1, "unknown frame 'weather'"),
    (["{tmp}/missing.txt", "-o", "x.html"], 1, "no such file"),
], ids=["sort-one", "stdin-mixed", "corpus-to-stdout", "unknown-frame", "missing"])
def test_cli_report_usage_errors(article, tmp_path, args, code, message):
    result = run("report", *[a.replace("{a}", str(article)).replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.stderr


@functools.lru_cache(maxsize=None)  # `classify SEED` is asked for by two test files: one process serves both
def imported_modules(*args: str) -> frozenset[str]:
    """Every module a `python -m frames ...` process imports, from -X importtime."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "frames", *args], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return frozenset(line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:"))


def test_classify_imports_neither_the_report_nor_explanations_nor_plotting(seeds, tmp_path):
    imported = imported_modules("classify", str(seeds[0]))
    assert "frames.model.scoring" in imported and "numpy" in imported  # the check sees what classify imports
    assert not imported & {"frames.show.report", "frames.show.report_files", "frames.model.explain", "matplotlib"}
    # ... and it would see them: `frames report` imports the report code.
    assert {"frames.show.report", "frames.model.explain"} <= imported_modules("report", str(seeds[0]), "-o", str(tmp_path / "r.html"))


def chromium(tmp_path: Path, *args: str) -> str:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'chromium-profile'}", "--host-resolver-rules=MAP * ~NOTFOUND", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself asked for (Chromium's own background calls are 'not an origin')."""
    log = json.loads(net_log.read_text("utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in log["events"]
            if e["type"] == start and "url" in e.get("params", {}) and e["params"].get("initiator") != "not an origin"]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)")
def test_report_in_headless_chromium(model, seeds, tmp_path):
    page = write_article_report(model, read_article(seeds[1]), tmp_path / "report.html")
    result = model.classify(seeds[1].read_text("utf-8"))
    known = next(s for s in result.sentences if s.frames)
    net_log = tmp_path / "net-log.json"
    shot = tmp_path / "report.png"
    # One Chromium run both dumps the DOM and takes the screenshot: each start costs about a second.
    dom = Page(chromium(tmp_path, f"--log-net-log={net_log}", "--window-size=1280,1400", f"--screenshot={shot}",
                        "--dump-dom", f"{page.as_uri()}#s{known.index}"))
    assert "js" in dom.root.get("class", "").split()  # the page's script ran
    carrying = [s for s in result.sentences if s.frames]
    assert carrying and all(dom.sentences[s.index]["frames"] for s in carrying)
    assert {f"f{model.frames.index(f)}" for f in known.frames} == dom.sentences[known.index]["frames"]
    details = "".join(dom.details[f"x{known.index}"])
    assert squash(known.text) in squash(details) and all(name in details for name in model.frame_names)
    assert f"Sentence {known.index}" in " ".join(dom.panel)  # #sN showed the sentence's explanation in the side panel
    assert page_requests(net_log) == []
    assert shot.read_bytes()[:8] == PNG and shot.stat().st_size > 20_000
    print(f"screenshot kept at {shot}")
    # The request check can fail: a page with a remote image and script is caught.
    bad = tmp_path / "bad.html"
    bad.write_text('<img src="http://example.org/a.png"><script src="https://cdn.example.com/x.js"></script>')
    chromium(tmp_path, f"--log-net-log={net_log}", "--dump-dom", bad.as_uri())
    assert len(page_requests(net_log)) == 2
