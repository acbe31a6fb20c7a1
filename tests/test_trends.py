"""`frames trends`: periods, Wilson intervals, every row accounted for, the figure and page, and a real browser."""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from frames.cli import app
from frames.errors import FramesError
from frames.show.trends import MISSING, compute_trends, next_period, parse_bound, parse_date, period_label, period_start, wilson

from test_report import CHROMIUM, PNG, chromium, imported_modules, page_requests

runner = CliRunner()
FRAMES = ("meddling", "trade")


def run(*args):
    return runner.invoke(app, ["trends", *[str(a) for a in args]])


def row(date_value, outlet="a.kz", meddling=False, trade=False, share=(0.0, 0.0), scored=True, key="id", n=0) -> dict:
    """A batch row as `frames batch corpus.jsonl --meta date,outlet` writes it (None leaves a field out)."""
    meta = {k: v for k, v in (("date", date_value), ("outlet", outlet)) if v is not None}
    frames = {"meddling": {"score": 0.9 if meddling else 0.1, "present": meddling if scored else None,
                           "share": share[0] if scored else None},
              "trade": {"score": 0.9 if trade else 0.1, "present": trade if scored else None,
                        "share": share[1] if scored else None}}
    return {key: f"doc-{n}", "sha256": "0" * 64, "n_sentences": 10, "meta": meta, "frames": frames,
            "model": {"name": "tiny", "data_sha256": "ab" * 32}, **({} if scored else {"scored": False})}


def write_jsonl(path: Path, rows: list, extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r) for r in rows] + list(extra_lines)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def results(tmp_path) -> Path:
    """Rows over January to March 2022 (February empty), two outlets, and every kind of row left out."""
    rows = [
        row("2022-01-03", "a.kz", meddling=True, share=(0.5, 0.0)),
        row("2022-01-20T10:00:00", "a.kz", trade=True, share=(0.0, 0.2)),
        row("2022-01-31", "b.ru", meddling=True, trade=True, share=(0.1, 0.3)),
        row("2022-03-01", "a.kz", share=(0.0, 0.0)),
        row("2022-03-15", None, meddling=True, share=(0.25, 0.0)),  # no outlet: counted under (missing)
        row(None, "a.kz", meddling=True),  # no date
        row("", "a.kz"),  # empty date
        row("03.02.2022", "b.ru"),  # unreadable date
        row("2022-02-30", "b.ru"),  # no such day
        row("2021-12-31", "a.kz", meddling=True),  # before --since in some tests
        row("2022-01-10", "b.ru", scored=False),  # another language: not scored
    ]
    return write_jsonl(tmp_path / "scores.jsonl", [dict(r, id=f"doc-{k}") for k, r in enumerate(rows)],
                       ("{not json", '{"id": "x", "frames": 3}'))


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (5, 10, 0.2366, 0.7634), (1, 3, 0.0615, 0.7923), (30, 100, 0.2189, 0.3958),
])
def test_wilson_matches_published_values(k, n, low, high):
    got = wilson(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_holds_the_observed_share_and_stays_in_0_1(k, n):
    k = min(k, n)
    low, high = wilson(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert wilson(n - k, n) == pytest.approx((1 - high, 1 - low), abs=1e-12)  # symmetric


def test_no_articles_means_no_information():
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("day", "period", "label", "following"), [
    ("2022-03-05", "day", "2022-03-05", "2022-03-06"),
    ("2022-03-05", "week", "2022-W09", "2022-03-07"),
    ("2021-01-03", "week", "2020-W53", "2021-01-04"),  # ISO weeks: early January can belong to last year's week
    ("2022-03-05", "month", "2022-03", "2022-04-01"),
    ("2022-12-31", "month", "2022-12", "2023-01-01"),
    ("2022-08-19", "quarter", "2022-Q3", "2022-10-01"),
    ("2022-11-19", "quarter", "2022-Q4", "2023-01-01"),
    ("2022-08-19", "year", "2022", "2023-01-01"),
])
def test_periods(day, period, label, following):
    start = period_start(date.fromisoformat(day), period)
    assert period_label(start, period) == label
    assert next_period(start, period) == date.fromisoformat(following)
    assert start <= date.fromisoformat(day) < next_period(start, period)


@pytest.mark.parametrize(("value", "expected"), [
    ("2022-03-05", date(2022, 3, 5)), ("2022-03-05T23:59:59+03:00", date(2022, 3, 5)), (" 2022-03-05 ", date(2022, 3, 5)),
    ("2022-03-05 10:00", date(2022, 3, 5)), ("2022-02-30", None), ("05.03.2022", None), ("2022-03", None),
    ("March 5, 2022", None), (20220305, None), (None, None), ("2022-03-05garbage", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@given(st.text())
def test_parse_date_never_raises_on_any_text(text):
    result = parse_date(text)
    assert result is None or isinstance(result, date)


@pytest.mark.parametrize(("value", "end", "expected"), [
    ("2022", False, date(2022, 1, 1)), ("2022", True, date(2022, 12, 31)), ("2022-02", True, date(2022, 2, 28)),
    ("2024-02", True, date(2024, 2, 29)), ("2021-10", False, date(2021, 10, 1)), ("2022-06-15", True, date(2022, 6, 15)),
])
def test_since_and_until_bounds(value, end, expected):
    assert parse_bound(value, end) == expected


@pytest.mark.parametrize("value", ["June 2022", "2022-13", "2022-6-1", ""])
def test_bad_bounds_are_refused(value):
    with pytest.raises(FramesError, match="YYYY"):
        parse_bound(value, False)


def test_trends_count_every_row_and_fill_empty_periods(results):
    trends = compute_trends(results, "month", ("outlet",))
    assert trends.frames == FRAMES and trends.read == 11 and trends.counted == 6
    assert (trends.no_date, trends.bad_date, trends.not_scored, trends.outside) == (2, 2, 1, 0)
    assert trends.bad_date_examples == (f"{results}:8: '03.02.2022'", f"{results}:9: '2022-02-30'")
    assert [str(p) for p in trends.problems] == [
        f"{results}:12: malformed JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{results}:13: not a `frames batch` row (it needs frames with present and share per frame)"]
    assert trends.models == ("tiny (data abababababab)",)
    table = {(r.period, r.group): r for r in trends.rows}
    assert trends.periods == ("2021-12", "2022-01", "2022-02", "2022-03")  # February is there, with no article
    assert trends.groups == (("a.kz",), ("b.ru",), (MISSING,))
    assert len(trends.rows) == 4 * 3
    january = table[("2022-01", ("a.kz",))]
    assert january.n == 2
    meddling, trade = january.frames
    assert (meddling.present, meddling.share, trade.present, trade.share) == (1, 0.5, 1, 0.5)
    assert (meddling.low, meddling.high) == wilson(1, 2)
    assert meddling.sentence_share == pytest.approx(0.25) and trade.sentence_share == pytest.approx(0.1)
    empty = table[("2022-02", ("a.kz",))]
    assert empty.n == 0 and all(f.share is None and f.low is None and f.sentence_share is None for f in empty.frames)
    assert table[("2022-03", (MISSING,))].n == 1
    assert sum(r.n for r in trends.rows) == trends.counted
    assert trends.read == trends.counted + trends.no_date + trends.bad_date + trends.not_scored + trends.outside


def test_since_and_until_count_what_they_leave_out(results):
    trends = compute_trends(results, "month", (), since="2022-01", until="2022-02")
    assert trends.periods == ("2022-01", "2022-02") and trends.outside == 3 and trends.counted == 3
    assert [r.n for r in trends.rows] == [3, 0]
    whole = compute_trends(results, "quarter", (), since="2021-10-01", until="2022-06")
    assert whole.periods == ("2021-Q4", "2022-Q1", "2022-Q2")  # the bounds widen the span, so periods line up
    assert [r.n for r in whole.rows] == [1, 5, 0]


def test_week_and_day_periods(results):
    weeks = compute_trends(results, "week", ())
    assert weeks.periods[0] == "2021-W52" and weeks.periods[-1] == "2022-W11"
    assert len(weeks.periods) == 12 and sum(r.n for r in weeks.rows) == 6
    days = compute_trends(results, "day", (), since="2022-01-01", until="2022-01-31")
    assert len(days.periods) == 31 and sum(r.n for r in days.rows) == 3


def test_several_results_count_together(results, tmp_path):
    other = write_jsonl(tmp_path / "other.jsonl", [row("2022-01-09", "c.uz", trade=True, n=99)])
    trends = compute_trends([results, other], "month", ("outlet",))
    assert trends.counted == 7 and ("c.uz",) in trends.groups and trends.source == f"{results}, {other}"
    assert trends.bad_date_examples[0].startswith(f"{results}:8: ")
    other.write_text(json.dumps({**row("2022-01-09", n=2), "frames": {"x": {"present": True, "share": 0.1}}}) + "\n")
    with pytest.raises(FramesError, match="count results of one model together"):
        compute_trends([results, other])


def test_a_gzipped_result_reads_like_the_plain_one(results, tmp_path):
    import gzip

    packed = tmp_path / "scores.jsonl.gz"
    packed.write_bytes(gzip.compress(results.read_bytes()))
    assert compute_trends(packed, "month", ("outlet",)).rows == compute_trends(results, "month", ("outlet",)).rows


def test_grouping_by_a_field_of_the_row_itself(tmp_path):
    rows = [dict(row("2022-01-05", n=k), language=lang) for k, lang in enumerate(["en", "en", "ru"])]
    trends = compute_trends(write_jsonl(tmp_path / "s.jsonl", rows), "year", ("language",))
    assert {r.group: r.n for r in trends.rows} == {("en",): 2, ("ru",): 1}


def test_a_batch_csv_reads_like_its_jsonl(tmp_path, results):
    out = tmp_path / "scores.csv"
    header = ["id", "sha256", "n_sentences", "model", "model_data_sha256", "date", "outlet"]
    for fid in FRAMES:
        header += [f"{fid}_score", f"{fid}_present", f"{fid}_share"]
    header += ["language", "scored"]
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for line in results.read_text("utf-8").splitlines()[:11]:
            r = json.loads(line)
            cells = [r["id"], r["sha256"], r["n_sentences"], r["model"]["name"], r["model"]["data_sha256"],
                     r["meta"].get("date", ""), r["meta"].get("outlet", "")]
            for fid in FRAMES:
                f = r["frames"][fid]
                cells += ["", "", ""] if f["present"] is None else [f["score"], str(f["present"]).lower(), f["share"]]
            writer.writerow(cells + ["en", "false" if r.get("scored") is False else "true"])
    from_csv = compute_trends(out, "month", ("outlet",))
    from_jsonl = compute_trends(results, "month", ("outlet",))
    assert from_csv.rows == from_jsonl.rows and from_csv.counted == from_jsonl.counted == 6
    assert (from_csv.no_date, from_csv.bad_date, from_csv.not_scored) == (2, 2, 1)
    out.write_bytes(b"\xef\xbb\xbf" + out.read_bytes())  # as `frames batch --excel` writes it
    assert compute_trends([out, out], "month", ("outlet",)).rows == from_jsonl.rows  # the id column is found


@pytest.mark.parametrize(("rows", "args", "message"), [
    ([row(None, n=1)], {}, "no row has a 'date' field; run `frames batch` with --meta date"),
    ([row("2022-01-01", None, n=1)], {"by": ("outlet",)}, "no row has 'outlet'"),
    ([row("2022-01-01", n=1)], {"period": "fortnight"}, "unknown period 'fortnight'"),
    ([row("2022-01-01", n=1)], {"since": "2022-05", "until": "2022-01"}, "is after --until"),
    ([row("2022-01-01", n=1)], {"by": ("date",)}, "group by a period"),
    ([], {}, "no batch rows in it"),
], ids=["no-dates", "no-outlet", "bad-period", "since-after-until", "by-date", "empty"])
def test_what_cannot_be_counted_is_an_error_that_says_why(tmp_path, rows, args, message):
    with pytest.raises(FramesError, match=message.replace("(", r"\(").replace(")", r"\)").replace("`", ".")):
        compute_trends(write_jsonl(tmp_path / "s.jsonl", rows), **args)


def test_cli_prints_the_table_and_accounts_for_every_row(results):
    result = run(results, "--by", "month", "--by", "outlet")
    assert result.exit_code == 0, result.output
    assert "2022-01" in result.stdout and "a.kz" in result.stdout and "Meddling" in result.stdout
    assert "50%" in result.stdout and "Wilson" in result.stdout
    assert "11 rows read, 6 counted" in result.stderr and "2 without a date" in result.stderr
    assert "2 with a date that cannot be read (e.g." in result.stderr and "1 not scored" in result.stderr
    assert "2 lines that are not batch rows" in result.stderr and f"1 counted under {MISSING}" in result.stderr


def test_cli_json(results):
    result = run(results, "--by", "quarter", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["period"] == "quarter" and out["counted"] == 6 and out["frames"] == list(FRAMES)
    assert [r["period"] for r in out["rows"]] == ["2021-Q4", "2022-Q1"]
    assert out["rows"][1]["frames"]["meddling"] == {"present": 3, "share": 0.6, "low": pytest.approx(wilson(3, 5)[0]),
                                                    "high": pytest.approx(wilson(3, 5)[1]),
                                                    "sentence_share": pytest.approx(0.85 / 5), "corrected": None,
                                                    "articles": ["doc-0", "doc-2", "doc-4"]}
    assert out["correction"].startswith("shares not corrected: rows were scored by")  # not the shipped model


def test_shares_are_corrected_with_the_scoring_models_error_rates(tmp_path, tiny_model):
    """A model that flags 20% of no-frame articles and finds 80% of those that push the frame: 50% observed is 50%."""
    from frames.model.versions import model_info
    from frames.show.shares import corrected_share

    config = json.loads((tiny_model / "model.json").read_text("utf-8"))
    config["training"]["article_rates"] = {fid: {"tpr": 0.8, "fpr": 0.2, "positives": 100, "negatives": 100}
                                           for fid in ("meddling", "trade")}
    model = tmp_path / "rated"
    model.mkdir()
    for name in ("vocabulary.npz", "weights.npz"):
        (model / name).write_bytes((tiny_model / name).read_bytes())
    (model / "model.json").write_text(json.dumps(config), encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    sha = config["training"]["data_sha256"]
    with rows.open("w", encoding="utf-8") as out:
        for i in range(10):
            out.write(json.dumps({"path": f"a{i}.txt", "model": {"name": "rated", "data_sha256": sha},
                                  "meta": {"date": "2022-01-05"},
                                  "frames": {"meddling": {"present": i < 5, "share": 0.1},
                                             "trade": {"present": i < 2, "share": 0.0}}}) + "\n")
    result = run(rows, "--json", "--model", model)
    assert result.exit_code == 0, result.output
    frames = json.loads(result.stdout)["rows"][0]["frames"]
    assert frames["meddling"]["corrected"]["share"] == pytest.approx(0.5)
    assert frames["trade"]["corrected"]["share"] == pytest.approx(0.0)  # 20% observed is all false alarms
    low, high = frames["meddling"]["corrected"]["low"], frames["meddling"]["corrected"]["high"]
    assert low < 0.5 < high and (high - low) > (wilson(5, 10)[1] - wilson(5, 10)[0])  # model error widens it
    assert "corrected shares use model rated" in result.stderr
    assert corrected_share(5, 10, {"tpr": 0.5, "fpr": 0.45, "positives": 9, "negatives": 9}) is None  # too weak
    assert model_info(model).article_rates["meddling"]["tpr"] == 0.8
    table = tmp_path / "trends.csv"
    assert run(rows, "--model", model, "--csv", table).exit_code == 0
    with open(table, encoding="utf-8", newline="") as handle:
        meddling = next(line for line in csv.DictReader(handle) if line["frame"] == "meddling")
    assert float(meddling["corrected_share"]) == pytest.approx(0.5)
    assert float(meddling["corrected_low"]) == pytest.approx(low, abs=1e-5)


def test_a_result_given_twice_counts_each_article_once(results, tmp_path):
    once = json.loads(run(results, "--json").stdout)
    result = run(results, results, "--json")
    assert result.exit_code == 0, result.output
    twice = json.loads(result.stdout)
    assert twice["rows"] == once["rows"] and twice["counted"] == 6 and twice["duplicates"] == 11
    assert twice["read"] == 22 and "11 duplicate rows dropped" in result.stderr
    rescored = write_jsonl(tmp_path / "rescored.jsonl", [dict(row("2022-01-03", meddling=True, n=0), sha256="1" * 64)])
    changed = compute_trends([results, rescored])  # same id, another text: another article, counted
    assert (changed.duplicates, changed.counted) == (0, 7)


def test_rows_of_two_models_are_refused_unless_grouped_by_model(results, tmp_path):
    other = [dict(row("2022-01-05", trade=True, n=k), model={"name": "big", "data_sha256": "cd" * 32}) for k in range(3)]
    mixed = write_jsonl(tmp_path / "big.jsonl", other)
    refused = run(results, mixed)
    assert refused.exit_code == 1
    assert "scored by 2 models (tiny (data abababababab), big (data cdcdcdcdcdcd))" in refused.stderr
    assert "add --by model" in refused.stderr
    grouped = run(results, mixed, "--by", "model", "--json")
    assert grouped.exit_code == 0, grouped.output
    counts = {}
    for r in json.loads(grouped.stdout)["rows"]:
        counts[r["group"]["model"]] = counts.get(r["group"]["model"], 0) + r["n"]
    assert counts == {"tiny (data abababababab)": 6, "big (data cdcdcdcdcdcd)": 3}  # same ids, other model: not repeats


@pytest.mark.parametrize(("titles", "warned"), [(50, False), (51, True)])
def test_more_than_50_groups_are_warned_about(tmp_path, titles, warned):
    rows = [dict(row("2022-01-05", n=k), title=f"Headline {k}") for k in range(titles)]
    result = run(write_jsonl(tmp_path / "s.jsonl", rows), "--by", "title")
    assert result.exit_code == 0, result.output
    assert (f"warning: --by title makes {titles} groups" in result.stderr) is warned


def test_csv_table_is_one_line_per_period_group_and_frame(results, tmp_path):
    rows = [dict(r, meta={**r["meta"], "outlet": "=HYPERLINK(\"http://x\")"}) if r.get("id") == "doc-2" else r
            for r in map(json.loads, results.read_text("utf-8").splitlines()[:11])]
    scores = write_jsonl(tmp_path / "scores.jsonl", rows)
    table = tmp_path / "trends.csv"
    result = run(scores, "--by", "month", "--by", "outlet", "--csv", table)
    assert result.exit_code == 0, result.output
    assert f"wrote {table}" in result.stderr
    with open(table, encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert list(lines[0]) == ["period", "outlet", "frame", "articles", "present", "share", "low", "high",
                              "sentence_share", "corrected_share", "corrected_low", "corrected_high"]
    trends = compute_trends(scores, "month", ("outlet",))
    assert len(lines) == len(trends.rows) * len(FRAMES)
    january = {line["frame"]: line for line in lines if (line["period"], line["outlet"]) == ("2022-01", "a.kz")}
    assert january["meddling"]["articles"] == "2" and january["meddling"]["present"] == "1"
    assert float(january["meddling"]["share"]) == 0.5
    assert float(january["meddling"]["low"]) == pytest.approx(wilson(1, 2)[0], abs=1e-6)
    assert january["meddling"]["corrected_share"] == ""  # rows not scored by the shipped model
    empty = [line for line in lines if line["articles"] == "0"]
    assert empty and all(line["share"] == "" and line["present"] == "" for line in empty)
    assert {line["outlet"] for line in lines} >= {"'=HYPERLINK(\"http://x\")"}  # text in a spreadsheet, not a formula
    again = run(scores, "--csv", table)
    assert again.exit_code == 1 and "already there; add --force" in again.stderr
    assert run(scores, "--csv", table, "--force").exit_code == 0
    notes = tmp_path / "notes.csv"
    notes.write_text("period,comment\n2022-01,mine\n", encoding="utf-8")
    refused = run(scores, "--csv", notes, "--force")
    assert refused.exit_code == 1 and "not a frames trends table" in refused.stderr
    assert notes.read_text("utf-8") == "period,comment\n2022-01,mine\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_each_page_cell_lists_the_articles_behind_it(tmp_path):
    from frames.show.trends_page import render_page

    rows = [row("2022-01-05", meddling=k < 25, n=k) for k in range(30)] + [row("2022-02-05", trade=True, n=30)]
    trends = compute_trends(write_jsonl(tmp_path / "s.jsonl", rows))
    january = trends.rows[0].frames[0]
    assert january.present == 25 and january.articles == tuple(f"doc-{k}" for k in range(20))
    html = render_page(trends, "<svg></svg>", "now")
    cell = re.search(r"<details><summary>83%.*?</details>", html).group(0)
    assert cell.count("<li><code>doc-") == 20 and "doc-19<" in cell and "doc-20<" not in cell
    assert "and 5 more" in cell
    assert "<li><code>doc-30</code></li>" in html  # February's trade cell
    assert html.count("<details>") == 2  # a cell without articles lists none


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--by", "month", "--by", "year"], 2, "one period at a time"),
    (["--by", "outlet", "--by", "outlet"], 2, "given twice"),
    (["--json", "--png", "x.png"], 2, "write files with -o"),
    (["--json", "--csv", "x.csv"], 2, "write files with -o"),
    (["--since", "yesterday"], 1, "cannot read the date 'yesterday'"),
], ids=["two-periods", "field-twice", "json-and-files", "json-and-csv", "bad-since"])
def test_cli_usage_errors(results, args, code, message):
    result = run(results, *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr


def test_cli_missing_file(tmp_path):
    result = run(tmp_path / "none.jsonl")
    assert result.exit_code == 1 and "no such file" in result.stderr


class Page(HTMLParser):
    """Tags, links and table rows of a trends page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        self.links += [a[k] for k in ("href", "src", "action") if a.get(k)]
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th") and self.rows:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def plots():
    pytest.importorskip("matplotlib", reason="the plots extra is not installed: pip install 'frames[plots]'")


def test_cli_writes_the_page_and_figures_and_replaces_only_its_own(plots, results, tmp_path):
    page, png, svg = tmp_path / "t.html", tmp_path / "t.png", tmp_path / "t.svg"
    result = run(results, "--by", "month", "--by", "outlet", "-o", page, "--png", png, "--svg", svg)
    assert result.exit_code == 0, result.output
    assert f"wrote {page}" in result.stderr and png.read_bytes()[:8] == PNG
    assert svg.read_text("utf-8").lstrip().startswith("<?xml") and "<svg" in svg.read_text("utf-8")
    html = page.read_text("utf-8")
    parsed = Page(html)
    assert "<svg" in html and "<?xml" not in html and "<metadata>" not in html  # the figure, inline
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parsed.tags) and parsed.links == []
    assert "default-src 'none'" in html and not re.search(r"url\((?!#)", html) and "@import" not in html
    body = [r for r in parsed.rows if r and r[0].startswith("20")]
    assert [r[:3] for r in body][:4] == [["2021-12", "a.kz", "1"], ["2022-01", "a.kz", "2"], ["2022-02", "a.kz", "0"],
                                         ["2022-03", "a.kz", "1"]]
    assert "11 rows read, 6 counted" in html and "95% Wilson interval" in html
    again = run(results, "-o", page)
    assert again.exit_code == 1 and "already there; add --force" in again.stderr
    assert run(results, "-o", page, "--png", png, "--force").exit_code == 0
    mine = tmp_path / "mine.png"
    mine.write_bytes(PNG + b"my holiday photo")
    refused = run(results, "--png", mine, "--force")
    assert refused.exit_code == 1 and "not a frames trends figure" in refused.stderr
    assert mine.read_bytes() == PNG + b"my holiday photo"
    clash = run(results, "-o", tmp_path / "same", "--svg", tmp_path / "same")
    assert clash.exit_code == 1 and "name the same file" in clash.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_figures_are_the_same_for_the_same_rows(plots, results):
    from frames.show.trends_plot import render_figure

    trends = compute_trends(results, "month", ("outlet",))
    assert render_figure(trends, "svg") == render_figure(trends, "svg")


def test_without_matplotlib_one_line_says_how_to_install_it(results, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    result = run(results, "--png", tmp_path / "t.png")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == ("error: plots need matplotlib: pip install 'frames[plots]' "
                                                      "(from a checkout: pip install '.[plots]')")
    assert not (tmp_path / "t.png").exists()


def test_classify_imports_neither_trends_nor_matplotlib_and_the_table_needs_no_matplotlib(seeds, results, tmp_path):
    imported = imported_modules("classify", str(seeds[0]))
    assert "frames.model.scoring" in imported  # the check sees classify's imports
    assert not imported & {"frames.show.trends", "frames.show.trends_plot", "frames.show.trends_page", "matplotlib"}
    table = imported_modules("trends", str(results))
    assert "frames.show.trends" in table and "matplotlib" not in table and "frames.model.scoring" not in table
    if _has_matplotlib():
        assert "matplotlib" in imported_modules("trends", str(results), "--png", str(tmp_path / "t.png"))


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)")
def test_trends_page_in_headless_chromium(plots, results, tmp_path):
    page = tmp_path / "trends.html"
    assert run(results, "--by", "month", "--by", "outlet", "-o", page).exit_code == 0
    net_log = tmp_path / "net-log.json"
    shot = tmp_path / "trends.png"
    dom = chromium(tmp_path, f"--log-net-log={net_log}", "--window-size=1280,1400", f"--screenshot={shot}",
                   "--dump-dom", page.as_uri())  # one run for both: each Chromium start costs about a second
    parsed = Page(dom)
    assert "svg" in parsed.tags and "path" in parsed.tags  # the figure was parsed as SVG, not shown as text
    assert any(r[:3] == ["2022-01", "a.kz", "2"] for r in parsed.rows)
    assert page_requests(net_log) == []
    assert shot.read_bytes()[:8] == PNG and shot.stat().st_size > 20_000
    print(f"screenshot kept at {shot}")
