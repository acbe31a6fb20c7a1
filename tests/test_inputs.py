"""Inputs a command does not take are refused with the command that does, in one line."""

from __future__ import annotations

import gzip
import json

import pytest
from typer.testing import CliRunner

from frames.cli import app

runner = CliRunner()


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.csv", "corpus.jsonl.gz"])
def test_classify_refuses_a_corpus_file_and_names_batch_and_report(tmp_path, article, name):
    corpus = tmp_path / name
    rows = "".join(json.dumps({"id": f"d{i}", "text": article.read_text("utf-8")}) + "\n" for i in range(2))
    corpus.write_bytes(gzip.compress(rows.encode()) if name.endswith(".gz") else rows.encode())
    result = runner.invoke(app, ["classify", str(article), str(corpus)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"error: {corpus}: a corpus file (one article a row), which classify would read as one "
                             f"article; score its articles with `frames batch {corpus}` or "
                             f"`frames report {corpus} -o reports/`\n")
