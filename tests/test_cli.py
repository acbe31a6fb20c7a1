"""Every command through typer's CliRunner: output, exit codes, and the bad inputs a user meets."""

from __future__ import annotations

import json
import shutil

import pytest
import typer
from typer.testing import CliRunner

from frames.cli import app

from conftest import README

runner = CliRunner()


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_classify_prints_a_table_and_evidence(article):
    result = run("classify", article)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{article}: 4 sentences; model default, article rule: ")
    assert lines[1].split() == ["frame", "score", "present", "share", "why"]
    assert any(line.startswith("Foreign interference") for line in lines[2:6])
    assert "Officials in Moscow accused Western capitals" in result.stdout


def test_classify_json_schema(article):
    result = run("classify", article, "--json", "--top", "1")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["article", "encoding", "bad_bytes", "format", "model", "schema", "language", "scored",
                         "n_sentences", "frames", "sentences"]
    assert out["language"]["code"] == "en" and out["scored"] is True and out["bad_bytes"] == 0 and out["format"] == "text"
    assert out["n_sentences"] == len(out["sentences"]) == 4
    assert [f["id"] for f in out["frames"]] == ["foreign_interference", "sanctions_resilience",
                                                "historical_unity", "economic_integration"]
    text = article.read_text("utf-8")
    for s in out["sentences"]:
        assert text[s["start"]:s["end"]] == s["text"]
        assert set(s["scores"]) == {f["id"] for f in out["frames"]}
    for f in out["frames"]:
        assert set(f) == {"id", "name", "score", "present", "share", "threshold", "n_over", "reason", "evidence"}
        assert len(f["evidence"]) <= 1 and 0 <= f["score"] <= 1
        assert f["reason"].startswith("present: " if f["present"] else "absent: ") and "over threshold" in f["reason"]
    assert out["schema"] == 3
    assert set(out["model"]) == {"path", "name", "data_sha256", "trained_at"} and out["model"]["name"] == "default"


def test_classify_reads_standard_input():
    result = run("classify", "-", "--json", input="Trade between the allies grew. It rained.".encode("utf-16"))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["article"] == "<stdin>" and out["encoding"] == "utf-16" and out["n_sentences"] == 2


def test_classify_with_another_model(article, tiny_model):
    result = run("classify", article, "--model", tiny_model, "--json")
    assert [f["id"] for f in json.loads(result.stdout)["frames"]] == ["meddling", "trade"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (b"\x00\x01\x02binary\x00", "binary file"), (b"1 2 3 ... 4 5", "no sentences")],
    ids=["empty", "binary", "no-sentences"],
)
def test_classify_bad_articles_exit_1_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = run("classify", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_classify_missing_file_and_bad_model(tmp_path, article):
    result = run("classify", tmp_path / "missing.txt")
    assert result.exit_code == 1 and "no such file" in result.stderr
    result = run("classify", article, "--model", tmp_path)
    assert result.exit_code == 1 and "incomplete model" in result.stderr


def test_train_prints_scores_and_writes_the_model(tiny_labels, tmp_path):
    out = tmp_path / "model"
    result = run("train", "--labels", tiny_labels, "--out", out)
    assert result.exit_code == 0, result.output
    assert "out-of-fold, all rows (25 sentences)" in result.stdout and "macro-F1" in result.stdout
    assert "meddling" in result.stdout and f"model written to {out}" in result.stdout
    report = json.loads((out / "metrics.json").read_text("utf-8"))
    assert set(report["out_of_fold"]["frames"]) == {"meddling", "trade"}
    assert report["label_counts"] == {"meddling": 9, "trade": 9, "none": 8}
    assert len(report["data_sha256"]) == 64 and "scikit-learn" in report["versions"] and report["trained_at"]


def test_train_with_bad_labels_keeps_the_old_model(tiny_labels, tiny_model, tmp_path):
    out = shutil.copytree(tiny_model, tmp_path / "model")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (tiny_labels / "beta.jsonl").write_text('{"text": "x", "frames": ["nope"], "source": "b"}\n', encoding="utf-8")
    result = run("train", "--labels", tiny_labels, "--out", out, "--force")
    assert result.exit_code == 1 and "unknown frame 'nope'" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_evaluate_json(tiny_model, tmp_path):
    labelled = tmp_path / "eval.jsonl"
    labelled.write_text("\n".join(json.dumps(r) for r in [
        {"text": "Western foundations stir hatred between the peoples.", "frames": ["meddling"], "source": "t"},
        {"text": "Trade between the neighbours grew.", "frames": ["trade", "energy"], "source": "t"},
        {"text": "It rained on Tuesday.", "frames": [], "source": "t"},
    ]) + "\n", encoding="utf-8")
    result = run("evaluate", "--labels", labelled, "--model", tiny_model, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"macro_f1", "frames", "n", "false_alarm", "n_none", "without_support"} and out["n"] == 3
    assert set(out["frames"]) == {"meddling", "trade"}
    assert out["frames"]["meddling"]["support"] == 1 and out["frames"]["trade"]["support"] == 1
    assert all(set(v) == {"precision", "recall", "f1", "support"} for v in out["frames"].values())
    assert f"{labelled}:2: unknown frame 'energy'" in result.stderr


def test_evaluate_human_table(tiny_model, tiny_labels):
    result = run("evaluate", "--labels", tiny_labels / "alpha.jsonl", "--model", tiny_model)
    assert result.exit_code == 0, result.output
    assert "precision" in result.stdout and "macro-F1" in result.stdout


def test_evaluate_empty_file_is_an_error(tmp_path, tiny_model):
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    result = run("evaluate", "--labels", tmp_path / "empty.jsonl", "--model", tiny_model)
    assert result.exit_code == 1 and "no labelled sentences" in result.stderr


def test_labels_check_ok_and_problems(tiny_labels):
    result = run("labels", "check", "--labels", tiny_labels)
    assert result.exit_code == 0 and result.stdout.startswith("ok: 3 files")
    with open(tiny_labels / "gamma.jsonl", "a", encoding="utf-8") as f:
        f.write('{"text": "Broken", "frames": [\n')
        f.write('{"text": "Trade grew.", "frames": ["trade", "weather"], "source": "g"}\n')
    result = run("labels", "check", "--labels", tiny_labels)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{tiny_labels / 'gamma.jsonl'}:8: malformed JSON (Expecting value at column 31)",
        f"{tiny_labels / 'gamma.jsonl'}:9: unknown frame 'weather'; the codebook has meddling, trade",
    ]


def test_labels_check_on_a_folder_without_codebook(tmp_path):
    result = run("labels", "check", "--labels", tmp_path)
    assert result.exit_code == 1 and "no codebook here" in result.stderr


def _commands(group: typer.Typer, prefix: str = "") -> list[tuple[str, object]]:
    found = [(f"{prefix}{c.name or c.callback.__name__}", c.callback) for c in group.registered_commands]
    for sub in group.registered_groups:
        found += _commands(sub.typer_instance, f"{prefix}{sub.name} ")
    return found


@pytest.mark.parametrize("name", [name for name, _ in _commands(app)])
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name):
    result = run(*name.split(), "--help")
    assert result.exit_code == 0
    assert "Example: frames " in result.stdout
    assert f"frames {name}" in README.read_text("utf-8")


def test_no_arguments_shows_help():
    result = run()
    assert "classify" in result.output and "train" in result.output
