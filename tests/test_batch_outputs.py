"""What batch writes opens safely and leaves nothing behind: CSV cells that never run as formulas,
no empty errors file, and no JSON Lines in a .json file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frames.cli import app
from frames.files.spreadsheet import neutralise, restore

runner = CliRunner()

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "'=quoted"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def corpus(tmp_path, article) -> Path:
    """A corpus whose ids and outlets a spreadsheet would run as formulas."""
    path = tmp_path / "corpus.jsonl"
    text = article.read_text("utf-8")
    path.write_text("".join(json.dumps({"id": name, "text": text, "outlet": name}) + "\n" for name in HOSTILE),
                    encoding="utf-8")
    return path


def test_csv_cells_never_start_a_formula_and_read_back_as_they_were(corpus, tmp_path):
    out = tmp_path / "scores.csv"
    assert run("batch", corpus, "--meta", "outlet", "--out", out).exit_code == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert [row[0] for row in rows[1:]] == ["'" + name for name in HOSTILE]
    assert [row[5] for row in rows[1:]] == ["'" + name for name in HOSTILE]  # the outlet column too
    resumed = run("batch", corpus, "--meta", "outlet", "--out", out, "--resume")
    assert resumed.exit_code == 0 and "scored 0, unchanged 5" in resumed.stderr  # the ids read back as they were
    reports = tmp_path / "reports"
    result = run("report", corpus, "--articles", out, "-o", reports)
    assert result.exit_code == 0 and "wrote 5 pages" in result.stdout and result.stderr == ""


@pytest.mark.parametrize(("cell", "written"), [
    ("=1", "'=1"), ("+x", "'+x"), ("-x", "'-x"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("'=x", "''=x"), ("''+x", "'''+x"),  # quotes already there get one more, so reading back is exact
    ("-0.5", "-0.5"), ("1e-9", "1e-9"), ("plain", "plain"), ("'plain", "'plain"), ("", ""),
])
def test_neutralised_cells_restore_exactly(cell, written):
    assert neutralise(cell) == written and restore(written) == cell


def test_no_empty_errors_file_is_left_behind(tmp_path, article):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_bytes(article.read_bytes())
    out = tmp_path / "scores.jsonl"
    assert run("batch", folder, "--out", out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.txt", "articles", "scores.jsonl"]
    (folder / "empty.txt").write_text("", encoding="utf-8")
    result = run("batch", folder, "--out", out, "--force")
    assert result.exit_code == 0 and f"(also in {out}.errors.jsonl)" in result.stderr
    assert [json.loads(line)["path"] for line in Path(f"{out}.errors.jsonl").read_text("utf-8").splitlines()] == ["empty.txt"]


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_a_users_file_where_the_errors_file_goes_is_kept(tmp_path, article, resume):
    """A file under the errors file's name that batch did not write is never replaced, resumed run or not."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_bytes(article.read_bytes())
    out = tmp_path / "scores.csv"
    if resume:
        assert run("batch", folder, "--out", out).exit_code == 0
    mine = Path(f"{out}.errors.jsonl")
    mine.write_text("my notes on the errors\n", encoding="utf-8")
    before = out.read_bytes() if out.exists() else None
    result = run("batch", folder, "--out", out, *resume)
    assert result.exit_code == 1 and result.stderr.startswith(f"error: {mine}: is ") and "not a batch errors file" in result.stderr
    assert mine.read_text("utf-8") == "my notes on the errors\n"
    assert (out.read_bytes() if out.exists() else None) == before


@pytest.mark.parametrize("extra", [[], ["--format", "jsonl"]])
def test_a_json_out_is_refused_with_the_jsonl_name(tmp_path, article, extra):
    out = tmp_path / "scores.json"
    result = run("batch", article.parent, "--out", out, *extra)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr == (f"error: {out}: batch writes JSON Lines (one object a line, appended as it goes), which "
                             "JSON readers refuse in a .json file; name it scores.jsonl\n")


@pytest.fixture
def two(tmp_path) -> Path:
    """Two articles: one carrying frames, one about the weather."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Officials accused Washington of trying to pull Astana away from Moscow.\n"
                                  "Trade between the neighbours grew by a fifth despite the restrictions. "
                                  "A joint plant in Kostanay will assemble tractors for both markets.", encoding="utf-8")
    (folder / "b.txt").write_text("Rain is expected in the capital over the weekend. The festival opens on Friday.",
                                  encoding="utf-8")
    return folder


@pytest.mark.parametrize("n", [1, 2])
def test_batch_csv_carries_the_evidence_sentences_of_jsonl(two, tmp_path, n):
    run("batch", two, "--out", tmp_path / "s.jsonl", "--evidence", n)
    result = run("batch", two, "--out", tmp_path / "s.csv", "--evidence", n)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text("utf-8").splitlines()]
    with open(tmp_path / "s.csv", encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    frames = list(rows[0]["frames"])
    assert list(table[0])[-len(frames):] == [f"{f}_evidence" for f in frames]
    for row, line in zip(rows, table):
        for f in frames:
            assert line[f"{f}_evidence"] == " | ".join(e["text"] for e in row["evidence"][f])
            assert len(row["evidence"][f]) <= n
    assert any(line[f"{f}_evidence"] for line in table for f in frames)
    resumed = run("batch", two, "--out", tmp_path / "s.csv", "--resume")  # without --evidence: other columns
    assert resumed.exit_code == 1 and "--evidence" in resumed.stderr


def test_excel_csv_starts_with_a_byte_order_mark_and_reads_back(two, tmp_path):
    out = tmp_path / "scores.csv"
    result = run("batch", two, "--out", out, "--excel")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfpath,sha256,") and data.count(b"\xef\xbb\xbf") == 1
    (two / "c.txt").write_text("Joint energy projects bind the two economies ever closer.", encoding="utf-8")
    resumed = run("batch", two, "--out", out, "--resume", "--excel")
    assert resumed.exit_code == 0 and "unchanged 2" in resumed.stderr, resumed.output
    assert out.read_bytes().count(b"\xef\xbb\xbf") == 1 and len(out.read_text("utf-8-sig").splitlines()) == 4
    assert run("batch", two, "--out", out, "--force").exit_code == 0  # replaced: a batch output despite the mark
    from frames.show.report_files import read_batch_result

    run("batch", two, "--out", out, "--excel", "--force")
    assert read_batch_result(out)[0] == "path" and len(read_batch_result(out)[1]) == 3
