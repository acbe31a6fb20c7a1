"""`frames report --articles`: pages for the articles a batch result lists (by path or corpus id), and corpus files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from frames.cli import app
from frames.show.report_files import INDEX, is_report, is_report_folder, slug_names

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def index_order(index: Path) -> list[str]:
    """The page links of an index, top to bottom."""
    return re.findall(r'<th scope="row"><a href="([^"]+)"', index.read_text("utf-8"))


@pytest.fixture
def folder(seeds, tmp_path) -> Path:
    root = tmp_path / "articles"
    root.mkdir()
    for seed in seeds:
        (root / seed.name).write_bytes(seed.read_bytes())
    return root


@pytest.fixture
def corpus(seeds, tmp_path) -> Path:
    path = tmp_path / "corpus.jsonl"
    rows = [{"id": f"http://example.org/news/{70 + k}?lang=en", "title": f"Seed {k}", "date": "2022-01-01",
             "text": seed.read_text("utf-8")} for k, seed in enumerate(seeds)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    return path


def test_pages_for_a_folders_batch_result_the_top_n_by_a_frame(folder, tmp_path):
    scores = tmp_path / "scores.jsonl"
    assert run("batch", folder, "--out", scores).exit_code == 0
    out = tmp_path / "reports"
    result = run("report", folder, "--articles", scores, "-o", out, "--sort-by", "historical_unity", "--limit", "2")
    assert result.exit_code == 0, result.output
    rows = sorted(jsonl(scores), key=lambda r: -r["frames"]["historical_unity"]["score"])
    top = [Path(r["path"]).stem + ".html" for r in rows[:2]]
    assert sorted(p.name for p in out.iterdir()) == sorted([*top, INDEX])
    assert index_order(out / INDEX) == top
    assert all(is_report(out / name) for name in top) and is_report_folder(out)
    assert result.stdout.startswith("wrote 2 pages and")


def test_pages_for_a_corpus_batch_result_named_by_id_and_shown_by_title(corpus, tmp_path):
    scores = tmp_path / "scores.csv"
    assert run("batch", corpus, "--meta", "title", "--out", scores).exit_code == 0
    out = tmp_path / "reports"
    result = run("report", corpus, "--articles", scores, "-o", out, "--sort-by", "foreign_interference")
    assert result.exit_code == 0, result.output
    n = len(corpus.read_text("utf-8").splitlines()) - 1  # its last line is broken
    pages = sorted(p.name for p in out.iterdir() if p.name != INDEX)
    assert len(pages) == n and all(re.fullmatch(r"[A-Za-z0-9._-]+\.html", p) for p in pages)
    assert "http-example.org-news-70-lang-en.html" in pages
    index = (out / INDEX).read_text("utf-8")
    assert "Seed 0 (http://example.org/news/70?lang=en)" in index


def test_articles_missing_or_changed_since_batch_are_skipped_and_listed(folder, tmp_path):
    scores = tmp_path / "scores.jsonl"
    assert run("batch", folder, "--out", scores).exit_code == 0
    files = sorted(folder.iterdir())
    files[0].write_text("Entirely new text about trade. It grew.", encoding="utf-8")
    files[1].unlink()
    result = run("report", folder, "--articles", scores, "-o", tmp_path / "reports")
    assert result.exit_code == 0, result.output
    assert f"skipped {files[0].name}: {files[0].name}: changed since `frames batch` scored it" in result.stderr
    assert f"skipped {files[1].name}: {files[1].name}: not in {folder}" in result.stderr
    assert result.stdout.startswith(f"wrote {len(files) - 2} pages")


def test_a_corpus_file_gives_a_page_per_document_and_lists_bad_rows(corpus, tmp_path):
    out = tmp_path / "reports"
    result = run("report", corpus, "-o", out)
    assert result.exit_code == 0, result.output
    n = len(corpus.read_text("utf-8").splitlines()) - 1
    assert len(list(out.glob("*.html"))) == n + 1
    assert f"skipped {corpus}:{n + 1}: {corpus}:{n + 1}: malformed JSON" in result.stderr


@pytest.mark.parametrize(("which", "extra", "code", "message"), [
    ("folder-result-corpus-source", [], 1, "names articles by path: give the folder"),
    ("corpus-result-folder-source", [], 1, "names articles by id: give the corpus file"),
    ("limit-without-sort", ["--limit", "2"], 1, "say for which frame with --sort-by"),
    ("limit-without-articles", ["--limit", "2"], 2, "give --articles RESULT"),
    ("two-sources", [], 2, "give the one folder or corpus file"),
    ("text-field-on-folder", ["--text-field", "body"], 2, "name the fields of a corpus file"),
])
def test_report_articles_usage_errors(folder, corpus, tmp_path, which, extra, code, message):
    by_path, by_id = tmp_path / "paths.jsonl", tmp_path / "ids.jsonl"
    assert run("batch", folder, "--out", by_path).exit_code == 0
    assert run("batch", corpus, "--out", by_id).exit_code == 0
    args = {
        "folder-result-corpus-source": [corpus, "--articles", by_path],
        "corpus-result-folder-source": [folder, "--articles", by_id],
        "limit-without-sort": [folder, "--articles", by_path],
        "limit-without-articles": [folder],
        "two-sources": [folder, folder, "--articles", by_path],
        "text-field-on-folder": [folder, "--articles", by_path],
    }[which]
    result = run("report", *args, *extra, "-o", tmp_path / "reports")
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert not (tmp_path / "reports").exists()


@given(st.lists(st.text(min_size=0, max_size=120), max_size=30))
def test_slug_names_are_distinct_safe_file_names(keys):
    names = slug_names(keys)
    assert len(names) == len(keys) == len(set(names)) and INDEX not in names
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.html", n) and len(n) <= 80 for n in names)
