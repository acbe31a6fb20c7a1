"""Answers and imports are appended only to a *.jsonl file of label rows of the right kind.

A labeller pointed at a codebook, a corpus, the test split, a batch output or a note must refuse
before the first question, leave the file byte for byte as it was, and say what is there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frames.cli import app
from frames.errors import LabelsError
from frames.labels.labelfile import LabelFile, check_label_target

runner = CliRunner()

EXPORT = [{"data": {"text": "Foreign NGOs stir discord."},
           "annotations": [{"result": [{"type": "choices", "value": {"choices": ["meddling"]}}]}]}]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def foreign_files(labels: Path) -> dict[str, Path]:
    """Files a user keeps beside the labels that are not a labels file of sentence rows."""
    corpus = labels / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "d1", "text": "Trade grew. Outside forces meddle."}) + "\n", encoding="utf-8")
    (labels / "corpora.json").write_text(json.dumps({"format": "frames-corpora/1", "corpora": {
        "mine": {"path": "corpus.jsonl", "text_field": "text", "id_field": "id"}}}), encoding="utf-8")
    (labels / "test-split.json").write_text(json.dumps({"format": "frames-test-split/1", "documents": []}),
                                            encoding="utf-8")
    batch = labels / "scores.jsonl"
    batch.write_text(json.dumps({"path": "a.txt", "sha256": "0" * 64, "frames": ["meddling"], "scored": True}) + "\n",
                     encoding="utf-8")
    note = labels / "notes.txt"
    note.write_text("remember to label the March batch\n", encoding="utf-8")
    articles = labels / "articles" / "real.jsonl"
    articles.parent.mkdir()
    articles.write_text(json.dumps({"corpus": "mine", "doc": "d1", "sha": "abcdef012345", "frames": []}) + "\n",
                        encoding="utf-8")
    return {"codebook": labels / "codebook.json", "corpora": labels / "corpora.json",
            "test split": labels / "test-split.json", "corpus": corpus, "batch output": batch, "note": note,
            "article labels": articles, "folder": labels / "articles"}


NAMES = ["codebook", "corpora", "test split", "corpus", "batch output", "note", "article labels", "folder"]


def snapshot(labels: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(labels.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", NAMES)
def test_import_into_a_file_that_is_not_sentence_labels_is_refused_and_nothing_changes(tiny_labels, tmp_path, name):
    target = foreign_files(tiny_labels)[name]
    export = tmp_path / "ls.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    before = snapshot(tiny_labels)
    result = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels, "--into", target)
    assert result.exit_code == 1
    assert result.stderr.count("error:") == 1 and str(target) in result.stderr
    assert snapshot(tiny_labels) == before


@pytest.mark.parametrize("name", NAMES)
def test_the_labeller_refuses_before_the_first_question(tiny_labels, tiny_model, tmp_path, name):
    target = foreign_files(tiny_labels)[name]
    article = tmp_path / "article.txt"
    article.write_text("Outside forces meddle. Trade grew by a fifth.", encoding="utf-8")
    before = snapshot(tiny_labels)
    result = run("label", article, "--labels", target, "--model", tiny_model, input="1\n1\n")
    assert result.exit_code == 1
    assert "frames?" not in result.stdout  # nothing was asked
    assert result.stderr.count("error:") == 1 and str(target) in result.stderr
    assert snapshot(tiny_labels) == before


def test_article_answers_go_only_to_a_file_of_article_rows(tiny_labels, tmp_path):
    sentences = tiny_labels / "alpha.jsonl"
    with pytest.raises(LabelsError, match=r"alpha\.jsonl: in the labels folder .* article labels go in its articles/"):
        check_label_target(sentences, "article")
    elsewhere = tmp_path / "answers.jsonl"  # outside a labels folder: the rows decide
    elsewhere.write_text(json.dumps({"corpus": "k", "doc": "d", "start": 0, "end": 4, "sha": "ab", "frames": [],
                                     "source": "d"}) + "\n", encoding="utf-8")
    with pytest.raises(LabelsError, match=r"answers\.jsonl:1: not an article label row \(unknown field 'end'"):
        check_label_target(elsewhere, "article")
    check_label_target(foreign_files(tiny_labels)["article labels"], "article")  # the right kind: accepted


@pytest.mark.parametrize("content", ["", "\n\n", None])
def test_a_new_or_empty_jsonl_file_is_accepted_and_a_labels_file_grows(tiny_labels, content):
    target = tiny_labels / "new.jsonl"
    if content is not None:
        target.write_text(content, encoding="utf-8")
    LabelFile(target).append({"text": "Trade grew.", "frames": ["trade"], "source": "x"})
    LabelFile(target).append({"text": "It rained.", "frames": [], "source": "x"})
    assert [json.loads(line)["text"] for line in target.read_text("utf-8").splitlines() if line.strip()] == [
        "Trade grew.", "It rained."]


def test_the_labeller_creates_no_folder_when_nothing_is_saved(tiny_labels, tiny_model, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("Outside forces meddle. Trade grew by a fifth.", encoding="utf-8")
    target = tmp_path / "later" / "deeper" / "answers.jsonl"
    result = run("label", article, "--labels", target, "--model", tiny_model, input="q\n")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "later").exists()
    saved = run("label", article, "--labels", target, "--model", tiny_model, input="1\nq\n")
    assert saved.exit_code == 0, saved.output
    assert len(target.read_text("utf-8").splitlines()) == 1
