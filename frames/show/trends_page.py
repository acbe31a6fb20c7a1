"""Writing trends: a self-contained HTML page (the figure as inline SVG, the table, the rows left out),
the figure alone, and the table as CSV.

The page has no script and a Content-Security-Policy that forbids any request, so it opens from
disk with no network; each cell of its table lists the articles behind it. Every file is written
atomically, and only over a file frames wrote (a trends page or table, or a figure carrying
frames' creator mark), and then only with --force.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from frames.version import __version__
from frames.files.atomic import write_atomic
from frames.errors import FramesError
from frames.files.outputs import check_target
from frames.files.spreadsheet import neutralise_row
from frames.show.trends import CELL_ARTICLES, MISSING, Trends

GENERATOR = "frames trends"  # <meta name="generator"> of every trends page
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_MARKER_BYTES = 4096
# the columns of the CSV table after the period and the --by fields (how a trends table is recognised)
CSV_COLUMNS = ("frame", "articles", "present", "share", "low", "high", "sentence_share",
               "corrected_share", "corrected_low", "corrected_high")
_SVG_START = re.compile(r"<svg\b")
_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_CSS = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --rule: #d4d4d4; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); }
header, main, footer { max-width: 80rem; margin: 0 auto; padding: .75rem 1.25rem; }
h1 { font-size: 1.45rem; margin: .4rem 0; }
h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
.meta, footer, caption, figcaption, .hint { color: var(--muted); font-size: .9rem; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; vertical-align: top; padding: .25rem .55rem; border-bottom: 1px solid var(--rule); }
td.n { text-align: right; white-space: nowrap; }
tr.empty td { color: var(--muted); }
caption { text-align: left; padding-bottom: .3rem; }
.table { overflow-x: auto; }
ul.account li { margin: .15rem 0; }
details summary { cursor: pointer; }
details ul { margin: .2rem 0; padding-left: 1rem; text-align: left; white-space: normal; max-width: 22rem; }
details li code { font-size: .8rem; overflow-wrap: anywhere; }
@media print { figure { break-inside: avoid; } .table { overflow: visible; } }
"""


@dataclass(frozen=True)
class TrendsFiles:
    """What was written: the page, the figures and the CSV table (None for those not asked for)."""

    page: Path | None
    png: Path | None
    svg: Path | None
    table: Path | None = None


def is_trends_page(path: Path) -> bool:
    """Whether ``path`` is a trends page frames wrote: its generator <meta> says so."""
    return f'<meta name="generator" content="{GENERATOR} ' in _head(path).decode("utf-8", errors="replace")


def is_trends_figure(path: Path) -> bool:
    """Whether ``path`` is a figure frames wrote: an SVG or PNG carrying frames' creator mark near its start."""
    from frames.show.trends_plot import CREATOR

    head = _head(path)
    return (head.startswith(b"\x89PNG") and b"Software\x00" + CREATOR.encode() in head) or \
        (b"<svg" in head and f"<dc:title>{CREATOR}</dc:title>".encode() in head)


def is_trends_table(path: Path) -> bool:
    """Whether ``path`` is a CSV table frames trends wrote: its header starts with period and ends with CSV_COLUMNS."""
    first = _head(path).decode("utf-8", errors="replace").lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    return first.startswith("period,") and first.endswith("," + ",".join(CSV_COLUMNS))


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(_MARKER_BYTES)
    except OSError:
        return b""


def check_trends_targets(page: Path | None, png: Path | None, svg: Path | None, force: bool,
                         table: Path | None = None) -> None:
    """Refuse before any work: two outputs at one path, or a place holding anything frames did not write."""
    given = [Path(p).resolve() for p in (page, png, svg, table) if p is not None]
    if len(set(given)) < len(given):
        raise FramesError("-o, --png, --svg and --csv name the same file; give each its own")
    if table is not None:
        check_target(Path(table), force, "a frames trends table", lambda p: p.is_file() and is_trends_table(p))
    if page is not None:
        check_target(Path(page), force, "a frames trends page", lambda p: p.is_file() and is_trends_page(p))
    for figure in (png, svg):
        if figure is not None:
            check_target(Path(figure), force, "a frames trends figure", lambda p: p.is_file() and is_trends_figure(p))


def write_trends(trends: Trends, page: Path | None = None, png: Path | None = None, svg: Path | None = None,
                 force: bool = False, created: str | None = None, table: Path | None = None) -> TrendsFiles:
    """Write the page, the figures and the CSV table asked for (checked first, each replaced atomically)."""
    check_trends_targets(page, png, svg, force, table)
    if table is not None:
        write_atomic(Path(table), table_csv(trends).encode("utf-8"))
    if page is None and png is None and svg is None:
        return TrendsFiles(None, None, None, Path(table) if table is not None else None)
    from frames.show.trends_plot import render_figure

    drawing = render_figure(trends, "svg") if page is not None or svg is not None else None
    if svg is not None:
        write_atomic(Path(svg), drawing)
    if png is not None:
        write_atomic(Path(png), render_figure(trends, "png"))
    if page is not None:
        stamp = created or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        write_atomic(Path(page), render_page(trends, drawing.decode("utf-8"), stamp).encode("utf-8"))
    return TrendsFiles(page and Path(page), png and Path(png), svg and Path(svg), table and Path(table))


def table_csv(trends: Trends) -> str:
    """The table as CSV text, one line per period, group and frame: the period, the --by fields, then
    CSV_COLUMNS (shares as fractions 0 to 1, empty where a period has no article or no correction).
    Cells a spreadsheet would run as a formula are written as text (frames.files.spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(neutralise_row(["period", *trends.by, *CSV_COLUMNS]))

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.6g}"

    for row in trends.rows:
        for f in row.frames:
            c = f.corrected
            cells = [row.period, *row.group, f.id, str(row.n), str(f.present) if row.n else "", number(f.share),
                     number(f.low), number(f.high), number(f.sentence_share), number(c and c.share),
                     number(c and c.low), number(c and c.high)]
            writer.writerow(neutralise_row(cells))
    return out.getvalue()


def inline_svg(svg: str) -> str:
    """matplotlib's SVG document as an element to put in HTML: no XML declaration, doctype or metadata."""
    match = _SVG_START.search(svg)
    if match is None:
        raise FramesError("the figure is not SVG")
    return _SVG_METADATA.sub("", svg[match.start():], count=1)


def render_page(trends: Trends, svg: str, created: str) -> str:
    """The trends page as HTML text: the figure, the account of the rows, the table, the traces."""
    grouping = f" and {', '.join(trends.by)}" if trends.by else ""
    span = ""
    if trends.since or trends.until:
        span = f"; dates from {trends.since or 'the first'} to {trends.until or 'the last'}"
    description = (f"Line charts, one per frame: the share of articles where the frame is present, per "
                   f"{trends.period}{grouping}, with 95% Wilson intervals as bands; bars below: articles per "
                   f"{trends.period}.")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="{GENERATOR} page {escape(__version__)}">\n',
        f"<title>frames trends: by {escape(trends.period)}{escape(grouping)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
        "<header>\n<h1>Frames over time</h1>\n",
        f'<p class="meta">From <code>{escape(trends.source)}</code>, by {escape(trends.period)}{escape(grouping)}'
        f"{escape(span)}. Scored by {escape(', '.join(trends.models) or 'an unnamed model')}.</p>\n</header>\n<main>\n",
        f'<figure>\n<div role="img" aria-label="{escape(description)}">\n{inline_svg(svg)}\n</div>\n',
        "<figcaption>Each point is the share of that period's articles in which the model finds the frame "
        "present (its article verdict). The band around it is the 95% Wilson interval: the range of true "
        "shares that the count is consistent with. With few articles a period, bands are wide, and lines "
        "whose bands overlap may not differ at all. These are the model's verdicts, not hand labels, so "
        "its errors are in them too.</figcaption>\n</figure>\n",
        _account(trends), _table(trends), "</main>\n",
        f"<footer>\n<p>Written {escape(created)} by frames {escape(__version__)} "
        "(<code>frames trends</code>).</p>\n</footer>\n</body>\n</html>\n",
    ])


def account_lines(trends: Trends) -> list[str]:
    """Where every row read went, in words: counted, or left out and why."""
    lines = [f"{trends.read} row{'' if trends.read == 1 else 's'} read, {trends.counted} counted"]
    if trends.no_date:
        lines.append(f"{trends.no_date} without a date")
    if trends.bad_date:
        quoted = "; ".join(trends.bad_date_examples)
        lines.append(f"{trends.bad_date} with a date that cannot be read (e.g. {quoted})")
    if trends.outside:
        lines.append(f"{trends.outside} dated outside {trends.since or '…'} to {trends.until or '…'}")
    if trends.duplicates:
        lines.append(f"{trends.duplicates} duplicate row{'' if trends.duplicates == 1 else 's'} dropped (the same id "
                     f"or path, text and model as a row already read)")
    if trends.not_scored:
        lines.append(f"{trends.not_scored} not scored by the model (another language)")
    if trends.problems:
        one = len(trends.problems) == 1
        lines.append(f"{len(trends.problems)} line{'' if one else 's'} that {'is not a batch row' if one else 'are not batch rows'} "
                     f"(first: {trends.problems[0]})")
    missing = sum(r.n for r in trends.rows if MISSING in r.group)
    if missing:
        lines.append(f"{missing} counted under {MISSING} for lack of {', '.join(trends.by)}")
    return lines


def _account(trends: Trends) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in account_lines(trends))
    return f'<section aria-labelledby="rows-h">\n<h2 id="rows-h">The rows</h2>\n<ul class="account">{items}</ul>\n</section>\n'


def percent(value: float | None, digits: int = 0) -> str:
    """A share as a percentage, or an em dash when there is none."""
    return "\u2014" if value is None else f"{100 * value:.{digits}f}%"


def interval(low: float | None, high: float | None) -> str:
    """A 95% interval as 12\u201348%, or nothing when there is none."""
    return "" if low is None else f"{100 * low:.0f}\u2013{100 * high:.0f}%"


def _table(trends: Trends) -> str:
    from frames.show.trends_plot import frame_title

    head = "".join(f'<th scope="col">{escape(b)}</th>' for b in trends.by)
    frames = "".join(f'<th scope="col" colspan="2">{escape(frame_title(f))}</th>' for f in trends.frames)
    sub = "".join('<th scope="col">articles [95% CI]</th><th scope="col">sentences</th>' for _ in trends.frames)
    body = []
    for row in trends.rows:
        cells = "".join(f'<td class="n">{_share_cell(f)}</td>'
                        f'<td class="n">{percent(f.sentence_share, 1)}</td>' for f in row.frames)
        groups = "".join(f"<td>{escape(g)}</td>" for g in row.group)
        empty = ' class="empty"' if not row.n else ""
        body.append(f'<tr{empty}><th scope="row">{escape(row.period)}</th>{groups}<td class="n">{row.n}</td>{cells}</tr>\n')
    blank = "<th></th>" * (len(trends.by) + 2)
    return (
        '<section aria-labelledby="table-h">\n<h2 id="table-h">The table</h2>\n<div class="table">\n'
        f"<table><caption>Per {escape(trends.period)}: articles; per frame, the share of articles where it is "
        "present with its 95% Wilson interval (open it for the articles behind it, the first "
        f"{CELL_ARTICLES} named), and the mean share of their sentences carrying it.</caption>\n"
        f'<thead><tr><th scope="col">{escape(trends.period)}</th>{head}<th scope="col">articles</th>{frames}</tr>\n'
        f"<tr>{blank}{sub}</tr></thead>\n<tbody>\n{''.join(body)}</tbody></table>\n</div>\n</section>\n"
    )


def _share_cell(f) -> str:
    """A frame's share and interval; where it is present, a disclosure listing the articles (id or path)."""
    shown = f"{percent(f.share)} <small>{escape(interval(f.low, f.high))}</small>"
    if not f.present:
        return shown
    names = "".join(f"<li><code>{escape(name)}</code></li>" for name in f.articles)
    rest = f.present - len(f.articles)
    more = f"<li>and {rest} more</li>" if rest > 0 else ""
    return (f'<details><summary>{shown}</summary><ul aria-label="articles where the frame is present">'
            f"{names}{more}</ul></details>")
