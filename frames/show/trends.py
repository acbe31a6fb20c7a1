"""Trends over time: how often each frame is present in a batch result, per period and per group.

`frames batch` writes one row per article; with `--meta date,outlet` each row carries the
article's date and outlet. `trends` counts, per period (day, week, month, quarter or year) and
per value of the other fields grouped by: the articles, the share of them where each frame is
present with a 95% Wilson interval (counts per month are small, and the interval says how
little a share of 3 in 10 tells), and the mean share of sentences carrying each frame.

Nothing is dropped silently: rows without a date, with a date that cannot be read, outside
--since/--until, not scored, on a line that is not a batch row, or repeating a row already read
(same id or path, same text, same model: the same file given twice) are counted and reported.
Rows of different models are not merged: they are refused, or grouped with ``by=("model",)``.
No plotting here: see frames.show.trends_plot.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator, NamedTuple

from frames.errors import FramesError, Problem
from frames.model.versions import ModelInfo
from frames.show.shares import CorrectedShare, corrected_share
from frames.files.spreadsheet import restore_row

PERIODS = ("day", "week", "month", "quarter", "year")
Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval
MISSING = "(missing)"  # the group of rows that lack a grouping field: shown, not dropped
_EXAMPLES = 3  # unreadable dates quoted in the summary
CELL_ARTICLES = 20  # articles named per cell and frame (the rest are counted)
MANY_GROUPS = 50  # more groups than this make a table nobody reads: warned about
MODEL = "model"  # --by model groups rows by the model that scored them
_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.+\-Z]*)?\s*$")
_BOUND = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class FrameShare:
    """One frame in one period and group.

    present: articles where the frame is present (the article verdict);
    share: present / articles, with low and high its 95% Wilson interval (all None with no articles);
    sentence_share: the mean over the articles of the share of their sentences carrying the frame;
    corrected: the share corrected for the model's known article error rates, with its 95% interval
    counting that uncertainty too (frames.show.shares; None without the model's rates);
    articles: the id (or path) of the first CELL_ARTICLES articles where the frame is present, in
    the order read (``present - len(articles)`` more are not named).
    """

    id: str
    present: int
    share: float | None
    low: float | None
    high: float | None
    sentence_share: float | None
    corrected: CorrectedShare | None = None
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrendRow:
    """One period of one group: its label (e.g. 2022-03), the group's values, the articles and each frame."""

    period: str
    group: tuple[str, ...]
    n: int
    frames: tuple[FrameShare, ...]


@dataclass(frozen=True)
class Trends:
    """The table `frames trends` prints, and an account of every row that is not in it.

    rows: every period from the first to the last, for every group, in order (periods with no
    article included, n=0, so gaps show); read: batch rows read; counted: rows in the table;
    no_date, bad_date: rows without a date / with one that cannot be read (bad_date_examples
    quotes a few as FILE:LINE: value); outside: rows dated outside since/until; not_scored: rows of
    articles the model did not score (another language); problems: lines that are not batch rows;
    duplicates: rows dropped as repeats of a row already read (same id or path, sha256 and model).
    """

    source: str
    period: str
    by: tuple[str, ...]
    frames: tuple[str, ...]
    rows: tuple[TrendRow, ...]
    read: int
    counted: int
    no_date: int
    bad_date: int
    bad_date_examples: tuple[str, ...]
    outside: int
    not_scored: int
    problems: tuple[Problem, ...]
    models: tuple[str, ...]  # "name (data sha256 prefix)" of each model that wrote the rows
    since: str | None = None
    until: str | None = None
    correction: str = ""  # which model's error rates corrected the shares, or why they were not corrected
    duplicates: int = 0

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The groups in the order they first appear in ``rows``."""
        return tuple(dict.fromkeys(r.group for r in self.rows))

    @property
    def periods(self) -> tuple[str, ...]:
        """The period labels in order."""
        return tuple(dict.fromkeys(r.period for r in self.rows))

    @property
    def crowded(self) -> str:
        """A warning when the groups are too many to read (more than MANY_GROUPS), else ""."""
        count = len(self.groups)
        if count <= MANY_GROUPS:
            return ""
        return (f"--by {', '.join(self.by)} makes {count} groups ({len(self.rows)} table rows); group by a field "
                f"with fewer values, or narrow the dates with --since/--until")

    def to_dict(self) -> dict:
        """Plain JSON-ready data: the settings, the account of rows left out, and the table."""
        return {
            "source": self.source, "period": self.period, "by": list(self.by), "frames": list(self.frames),
            "since": self.since, "until": self.until, "models": list(self.models), "correction": self.correction,
            "read": self.read, "counted": self.counted, "no_date": self.no_date, "bad_date": self.bad_date,
            "bad_date_examples": list(self.bad_date_examples), "outside": self.outside,
            "not_scored": self.not_scored, "duplicates": self.duplicates, "problems": [str(p) for p in self.problems],
            "rows": [{"period": r.period, "group": dict(zip(self.by, r.group)), "n": r.n,
                      "frames": {f.id: {"present": f.present, "share": f.share, "low": f.low, "high": f.high,
                                        "sentence_share": f.sentence_share,
                                        "corrected": None if f.corrected is None else f.corrected.__dict__,
                                        "articles": list(f.articles)}
                                 for f in r.frames}}
                     for r in self.rows],
        }


class _Row(NamedTuple):
    """One batch row, reduced to what trends reads (a named tuple: built once per row, it is the cheapest record)."""

    file: str
    line: int
    key: str | None  # the article's id or path (None if the row has neither)
    sha256: str | None
    model: str  # "name (data sha256 prefix)"
    date: object  # the raw date value (None if absent)
    group: tuple[str, ...]
    present: tuple[bool, ...] | None  # None: not scored
    share: tuple[float, ...] | None


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (95% by default); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))  # p itself inside, despite rounding


def parse_date(value: object) -> date | None:
    """An ISO date (2022-03-05, optionally followed by a time) as a date; None if it is not one."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def period_start(day: date, period: str) -> date:
    """The first day of the period holding ``day`` (weeks start on Monday, as ISO weeks do)."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if period == "year":
        return date(day.year, 1, 1)
    raise FramesError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")


def period_label(start: date, period: str) -> str:
    """How a period is shown: 2022-03-05, 2022-W09 (ISO week), 2022-03, 2022-Q1 or 2022."""
    if period == "day":
        return start.isoformat()
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def next_period(start: date, period: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_bound(value: str, end: bool) -> date:
    """--since/--until as a date: 2022, 2022-06 or 2022-06-15; as the last day it covers when ``end``."""
    match = _BOUND.match(value.strip())
    if match is None:
        raise FramesError(f"cannot read the date {value!r}; give it as YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(match[1]), match[2], match[3]
    try:
        if day is not None:
            return date(year, int(month), int(day))
        if month is not None:
            first = date(year, int(month), 1)
            return next_period(first, "month") - timedelta(days=1) if end else first
        return date(year, 12, 31) if end else date(year, 1, 1)
    except ValueError:
        raise FramesError(f"{value!r} is not a date; give it as YYYY, YYYY-MM or YYYY-MM-DD") from None


def compute_trends(path: str | Path | list[str | Path], period: str = "month", by: tuple[str, ...] = (),
                   date_field: str = "date", since: str | None = None, until: str | None = None,
                   model: ModelInfo | None = None) -> Trends:
    """Read `frames batch` outputs (JSONL or CSV, optionally gzipped; one file or several, scored by
    the same frames) and count each frame per period and group.

    ``by`` names the row fields to group by besides the period (looked up in the row's ``meta``,
    then in the row itself, e.g. ``outlet`` or ``language``; ``model`` is the scoring model's
    name and data hash); ``date_field`` holds the date. A row repeating one already read (same id
    or path, sha256 and model) is dropped and counted. Rows of several models are refused unless
    grouped by ``model``.
    ``model``: the model that scored the rows (its summary); when every row names it (same training
    data), each share is also given corrected for its article error rates (frames.show.shares).
    """
    if period not in PERIODS:
        raise FramesError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
    if date_field in by:
        raise FramesError(f"{date_field!r} is the date; group by a period ({', '.join(PERIODS)}), not by the date itself")
    first = parse_bound(since, end=False) if since else None
    last = parse_bound(until, end=True) if until else None
    if first and last and first > last:
        raise FramesError(f"--since {since} is after --until {until}; nothing could be counted")
    paths = [Path(p) for p in path] if isinstance(path, (list, tuple)) else [Path(path)]
    if not paths:
        raise FramesError("give at least one file `frames batch` wrote")
    frames, models, rows, problems = _read_rows(paths[0], date_field, by)
    for other in paths[1:]:
        more_frames, more_models, more_rows, more_problems = _read_rows(other, date_field, by)
        if more_frames != frames:
            raise FramesError(f"{other}: its frames ({', '.join(more_frames)}) are not {paths[0]}'s "
                              f"({', '.join(frames)}); count results of one model together")
        models += [m for m in more_models if m not in models]
        rows += more_rows
        problems += more_problems
    if len(models) > 1 and MODEL not in by:
        raise FramesError(f"the rows were scored by {len(models)} models ({', '.join(models)}), whose shares do not "
                          f"compare; count one model's rows at a time, or add --by model to show them side by side")
    rows, duplicates = _drop_duplicates(rows)
    days: dict[str, tuple[date, date] | None] = {}  # raw date -> (day, period start), once per distinct value
    cells: dict[tuple[date, tuple[str, ...]], list] = {}
    no_date = bad_date = outside = not_scored = counted = 0
    examples: list[str] = []
    width = len(frames)
    for row in rows:
        if row.present is None:
            not_scored += 1
            continue
        if row.date is None or row.date == "":
            no_date += 1
            continue
        key = row.date if isinstance(row.date, str) else repr(row.date)
        if key not in days:
            day = parse_date(row.date)
            days[key] = None if day is None else (day, period_start(day, period))
        known = days[key]
        if known is None:
            bad_date += 1
            if len(examples) < _EXAMPLES:
                examples.append(f"{row.file}:{row.line}: {row.date!r}")
            continue
        day, start = known
        if (first and day < first) or (last and day > last):
            outside += 1
            continue
        cell = cells.get((start, row.group))
        if cell is None:
            cell = cells[(start, row.group)] = [0, [0] * width, [0.0] * width, [[] for _ in range(width)]]
        cell[0] += 1
        counts, shares, named = cell[1], cell[2], cell[3]
        for j in range(width):
            counts[j] += row.present[j]
            shares[j] += row.share[j]
            if row.present[j] and len(named[j]) < CELL_ARTICLES:
                named[j].append(row.key if row.key is not None else f"{row.file}:{row.line}")
        counted += 1
    rates, correction = _rates(model, models)
    table = _table(cells, frames, period, first, last, rates)
    return Trends(", ".join(map(str, paths)), period, tuple(by), frames, table, len(rows) + duplicates,
                  counted, no_date, bad_date, tuple(examples), outside, not_scored, tuple(problems), tuple(models),
                  since, until, correction, duplicates)


def _drop_duplicates(rows: list[_Row]) -> tuple[list[_Row], int]:
    """The rows without repeats of a row already read (same id or path, sha256 and model), and how many repeats."""
    seen: set[tuple] = set()
    kept = []
    for row in rows:
        if row.key is not None:
            ident = (row.key, row.sha256, row.model)
            if ident in seen:
                continue
            seen.add(ident)
        kept.append(row)
    return kept, len(rows) - len(kept)


def _rates(model: ModelInfo | None, models: list[str]) -> tuple[dict, str]:
    """The error rates to correct shares with, and a line saying which, or why there are none."""
    if model is None:
        return {}, "shares not corrected: no model given"
    if not model.article_rates:
        return {}, f"shares not corrected: model {model.name} records no article error rates (retrain it)"
    named = f"(data {model.data_sha256[:12]})"
    others = [m for m in models if not m.endswith(named)]
    if others:
        return {}, (f"shares not corrected: rows were scored by {others[0]}, not by model {model.name} {named}; "
                    f"give the model that scored them with --model")
    return model.article_rates, (f"corrected shares use model {model.name}'s article error rates, "
                                 f"cross-validated on labelled real articles")


def _table(cells: dict, frames: tuple[str, ...], period: str, first: date | None,
           last: date | None, rates: dict) -> tuple[TrendRow, ...]:
    """Every group's every period from the first to the last (given bounds widen the span), gaps included."""
    if not cells:
        return ()
    starts = [start for start, _ in cells]
    begin = period_start(first, period) if first else min(starts)
    end = period_start(last, period) if last else max(starts)
    span = []
    current = begin
    while current <= end:
        span.append(current)
        current = next_period(current, period)
    groups = sorted({group for _, group in cells}, key=lambda g: tuple((v == MISSING, v) for v in g))
    rows = []
    for group in groups:
        for start in span:
            n, counts, shares, named = cells.get((start, group), (0, [0] * len(frames), [0.0] * len(frames), None))
            shown = []
            for j, fid in enumerate(frames):
                if n:
                    low, high = wilson(counts[j], n)
                    shown.append(FrameShare(fid, counts[j], counts[j] / n, low, high, shares[j] / n,
                                            corrected_share(counts[j], n, rates.get(fid)), tuple(named[j])))
                else:
                    shown.append(FrameShare(fid, 0, None, None, None, None))
            rows.append(TrendRow(period_label(start, period), group, n, tuple(shown)))
    return tuple(rows)


def _read_rows(path: Path, date_field: str, by: tuple[str, ...]) -> tuple[tuple[str, ...], list[str], list[_Row], list[Problem]]:
    """The frame ids, the models named, every usable row and every bad line of a batch output."""
    if not path.is_file():
        raise FramesError(f"{path}: no such file; give a file `frames batch` wrote (JSONL or CSV)")
    name = path.name.lower().removesuffix(".gz")
    reader = _csv_rows if name.endswith(".csv") else _jsonl_rows
    frames: tuple[str, ...] | None = None
    models: dict[str, None] = {}
    rows: list[_Row] = []
    problems: list[Problem] = []
    try:
        for line, record in reader(path, date_field, by):
            if isinstance(record, Problem):
                problems.append(record)
                continue
            ids, model, row = record
            if frames is None:
                frames = ids
            elif ids != frames:
                problems.append(Problem(str(path), line, f"its frames ({', '.join(ids)}) are not the first row's; "
                                                         f"one file should hold one model's rows"))
                continue
            models.setdefault(model, None)
            rows.append(row)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FramesError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if frames is None:
        first = f" (line {problems[0].line}: {problems[0].message})" if problems else ""
        raise FramesError(f"{path}: no batch rows in it{first}; give a file `frames batch` wrote")
    if by and all(all(v == MISSING for v in r.group) for r in rows):
        raise FramesError(f"{path}: no row has {', '.join(repr(b) for b in by)}; run `frames batch` with "
                          f"--meta {','.join(by)} (or --meta-file for a folder) so the rows keep it")
    if all(r.date is None for r in rows):
        raise FramesError(f"{path}: no row has a {date_field!r} field; run `frames batch` with --meta {date_field} "
                          f"(or --meta-file for a folder), or name the date's field with --date-field")
    return frames, list(models), rows, problems


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")  # -sig: `batch --excel` CSV


def _field(row: dict, meta: object, name: str) -> object:
    """A field from the row's meta, else from the row itself (None when absent)."""
    if isinstance(meta, dict) and name in meta:
        return meta[name]
    return row.get(name)


def _group_value(value: object) -> str:
    if value is None or value == "":
        return MISSING
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _jsonl_rows(path: Path, date_field: str, by: tuple[str, ...]) -> Iterator[tuple[int, object]]:
    with _open_text(path) as stream:
        number = 0
        while True:
            number += 1
            try:
                line = stream.readline()
            except UnicodeDecodeError as exc:
                yield number, Problem(str(path), number, f"not UTF-8 ({exc.reason}); the rest of the file is not read")
                return
            if not line:
                return
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                frames = row["frames"]
                ids = tuple(frames)
                scored = row.get("scored", True) is not False
                present = tuple(bool(frames[f]["present"]) for f in ids) if scored else None
                share = tuple(float(frames[f]["share"]) for f in ids) if scored else None
                model = row.get("model") or {}
                meta = row.get("meta")
                named = f"{model.get('name')} (data {str(model.get('data_sha256'))[:12]})"
                group = tuple(named if b == MODEL else _group_value(_field(row, meta, b)) for b in by)
                key = row.get("id", row.get("path"))
                yield number, (ids, named, _Row(str(path), number, None if key is None else str(key),
                                                row.get("sha256"), named, _field(row, meta, date_field), group,
                                                present, share))
            except json.JSONDecodeError as exc:
                yield number, Problem(str(path), number, f"malformed JSON ({exc.msg} at column {exc.colno})")
            except (KeyError, TypeError, ValueError, AttributeError):
                yield number, Problem(str(path), number, "not a `frames batch` row (it needs frames with present "
                                                         "and share per frame)")


def _csv_rows(path: Path, date_field: str, by: tuple[str, ...]) -> Iterator[tuple[int, object]]:
    csv.field_size_limit(sys.maxsize)
    with _open_text(path) as stream:
        reader = csv.reader(stream)
        try:
            header = restore_row(next(reader))  # cells as they were before neutralising (frames.files.spreadsheet)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield 1, Problem(str(path), 1, f"unreadable CSV header ({exc})")
            return
        columns = {name: k for k, name in enumerate(header)}
        ids = tuple(c[:-len("_present")] for c in header
                    if c.endswith("_present") and f"{c[:-len('_present')]}_share" in columns)
        if not ids:
            yield 1, Problem(str(path), 1, "no <frame>_present and <frame>_share columns: not a `frames batch` CSV")
            return
        present_at = [columns[f"{f}_present"] for f in ids]
        share_at = [columns[f"{f}_share"] for f in ids]
        date_at = columns.get(date_field)
        group_at = [columns.get(b) for b in by]
        scored_at = columns.get("scored")
        model_at, data_at = columns.get("model"), columns.get("model_data_sha256")
        key_at, sha_at = columns.get("id", columns.get("path")), columns.get("sha256")
        while True:
            line = reader.line_num + 1
            try:
                fields = restore_row(next(reader))
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                yield line, Problem(str(path), line, f"unreadable CSV row ({exc}); the rest of the file is not read")
                return
            if not fields:
                continue
            try:
                if len(fields) != len(header):
                    raise ValueError
                scored = scored_at is None or fields[scored_at] != "false"
                present = tuple(fields[k] == "true" for k in present_at) if scored else None
                share = tuple(float(fields[k]) for k in share_at) if scored else None
                named = (f"{fields[model_at]} (data {fields[data_at][:12]})" if model_at is not None and data_at is not None
                         else "unnamed model")
                group = tuple(named if b == MODEL else _group_value(fields[k]) if k is not None else MISSING
                              for b, k in zip(by, group_at))
                raw_date = fields[date_at] if date_at is not None else None
                key = fields[key_at] if key_at is not None else None
                sha = fields[sha_at] if sha_at is not None else None
                yield line, (ids, named, _Row(str(path), line, key, sha, named, raw_date, group, present, share))
            except ValueError:
                yield line, Problem(str(path), line, f"not a `frames batch` row ({len(fields)} fields for "
                                                     f"{len(header)} columns, or a share that is not a number)")
