"""Figures that say what they are: held-out or seen in training, defined or not, and which macro-F1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from frames.cli import app
from frames.training.evaluation import score_frames

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def hold_out(labels: Path, *documents: str) -> Path:
    (labels / "test-split.json").write_text(json.dumps({"format": "frames-test-split/1",
                                                        "documents": list(documents)}), encoding="utf-8")
    return labels


@pytest.fixture
def split_model(tiny_labels, tmp_path) -> Path:
    """A model trained on the tiny labels with source "beta" held out."""
    hold_out(tiny_labels, "beta")
    out = tmp_path / "models" / "split"
    assert run("train", "--labels", tiny_labels, "--out", out).exit_code == 0
    return out


def test_evaluating_rows_the_model_was_trained_on_warns(tiny_labels, tiny_model):
    hold_out(tiny_labels, "beta")
    seen = run("evaluate", "--labels", tiny_labels / "alpha.jsonl", "--model", tiny_model)
    assert seen.exit_code == 0, seen.output
    assert seen.stderr.splitlines() == [
        f"warning: 9 of 9 sentences in {tiny_labels / 'alpha.jsonl'} are outside the held-out split of {tiny_labels} "
        f"(test-split.json), so a model trained there was trained on them and these figures flatter it; "
        f"`frames evaluate --heldout --labels {tiny_labels}` scores only rows it never saw"]
    held = run("evaluate", "--labels", tiny_labels / "beta.jsonl", "--model", tiny_model)
    assert held.exit_code == 0 and held.stderr == ""


def test_heldout_scores_the_frozen_split_as_training_did(tiny_labels, split_model):
    result = run("evaluate", "--heldout", "--labels", tiny_labels, "--model", split_model, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["documents"] == 1 and out["sentences"]["n"] == 9 and out["articles"] is None
    metrics = json.loads((split_model / "metrics.json").read_text("utf-8"))
    assert out["sentences"] == metrics["heldout_sentences"]
    table = run("evaluate", "--heldout", "--labels", tiny_labels, "--model", split_model)
    assert table.stdout.startswith(f"{tiny_labels}: HELD-OUT split (1 documents), sentences (9 sentences)\n")
    assert table.stderr == ""


@pytest.mark.parametrize(("args", "message"), [
    (["--heldout", "--articles", "a.jsonl"], "drop --articles, or drop --heldout"),
    ([], "give --labels FILE (sentences), --articles FILE (whole articles), --heldout, or --behaviour LABELS"),
])
def test_heldout_clashes_are_refused(args, message):
    result = run("evaluate", *args)
    assert result.exit_code in (1, 2) and message in result.stderr


def test_heldout_without_a_split_says_what_to_give(tiny_labels, tiny_model):
    result = run("evaluate", "--heldout", "--labels", tiny_labels, "--model", tiny_model)
    assert result.exit_code == 1 and "no held-out split here" in result.stderr


def test_figures_with_nothing_to_measure_are_dashes_and_nulls(tiny_model, tmp_path):
    labelled = tmp_path / "meddling-only.jsonl"
    labelled.write_text("".join(json.dumps(r) + "\n" for r in [
        {"text": "Western foundations stir hatred between the peoples.", "frames": ["meddling"], "source": "t"},
        {"text": "It rained on Tuesday.", "frames": [], "source": "t"},
    ]), encoding="utf-8")
    out = json.loads(run("evaluate", "--labels", labelled, "--model", tiny_model, "--json").stdout)
    assert out["frames"]["trade"]["recall"] is None and out["frames"]["trade"]["f1"] is None
    assert out["without_support"] == ["trade"]
    table = run("evaluate", "--labels", labelled, "--model", tiny_model).stdout
    trade = next(line for line in table.splitlines() if line.startswith("trade"))
    assert trade.split()[2:4] == ["\u2014", "\u2014"] and "0.000" not in trade


@pytest.mark.parametrize(("truth", "predicted", "expected"), [
    ([[True], [False]], [[False], [False]], (None, 0.0, 0.0)),  # support, nothing predicted: no precision
    ([[False], [False]], [[True], [False]], (0.0, None, None)),  # predicted, no support: no recall, no F1
    ([[False], [False]], [[False], [False]], (None, None, None)),
    ([[True], [False]], [[True], [True]], (0.5, 1.0, 2 / 3)),
])
def test_undefined_figures_are_none_not_zero(truth, predicted, expected):
    score = score_frames(np.array(truth), np.array(predicted), ("x",)).frames["x"]
    assert (score.precision, score.recall, score.f1) == pytest.approx(expected)


def test_row_warnings_name_the_row_not_the_model(tiny_model, tmp_path):
    labelled = tmp_path / "eval.jsonl"
    labelled.write_text(json.dumps({"text": "Trade grew.", "frames": ["trade", "energy"], "source": "t"}) + "\n",
                        encoding="utf-8")
    result = run("evaluate", "--labels", labelled, "--model", tiny_model, "--model", tiny_model)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"warning: {labelled}:1: unknown frame 'energy'; the codebook has meddling, trade"]


def test_models_says_which_macro_f1_and_lists_past_a_broken_model(split_model, tmp_path):
    models = split_model.parent
    broken = Path(shutil.copytree(split_model, models / "broken"))
    (broken / "model.json").write_text("{not json", encoding="utf-8")
    result = run("models", models)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "OOF macro-F1" in lines[0] and "held-out macro-F1" in lines[0]
    split = lines[1].split()  # the good models first, then the broken ones, each with why
    assert lines[2].startswith("broken") and "BROKEN:" in lines[2] and "model.json: not a readable model" in lines[2]
    assert split[0] == "split" and all(0 <= float(x) <= 1 for x in split[4:6])
    assert "1 model folder(s) cannot be read" in result.stderr


def test_heldout_warns_when_the_split_grew_since_training(tiny_labels, split_model):
    hold_out(tiny_labels, "beta", "gamma")
    result = run("evaluate", "--heldout", "--labels", tiny_labels, "--model", split_model)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {split_model} was trained with 1 documents held out; the split has 2 now, and the model may "
        "have been trained on the 1 added since: retrain it for clean figures"]
