"""The retraining loop: the terminal labeller, active learning, agreement, interchange, versions."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from frames import load_labels, load_model
from frames.labels.agreement import cohen_kappa, krippendorff_alpha, settle
from frames.cli import app
from frames.labels.store import LabelledSentence

from conftest import write_tiny_labels

runner = CliRunner()

ARTICLE = ("Western foundations stir hatred between the two peoples, the deputy said. "
           "Trade between the neighbours grew by a fifth. "
           "The festival opens on Friday. "
           "Outside forces want to break up the common market.")


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture
def workspace(tmp_path: Path, tiny_model: Path):
    labels = write_tiny_labels(tmp_path / "labels")
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    return labels, article, tiny_model


def label(workspace, keys: str, *extra):
    labels, article, model = workspace
    return run("label", article, "--labels", labels / "new.jsonl", "--model", model, *extra, input=keys)


def test_keys_then_enter_save_none_skip_and_quit(workspace):
    labels = workspace[0]
    # sentence 1: frames 1 and 2; sentence 2: none; sentence 3: skip; then quit
    result = label(workspace, "12\n0\ns\nq\n", "--annotator", "anna")
    assert result.exit_code == 0, result.output
    assert "saved 2 answers" in result.stdout
    assert rows(labels / "new.jsonl") == [
        {"text": "Western foundations stir hatred between the two peoples, the deputy said.",
         "frames": ["meddling", "trade"], "source": "article.txt", "sample": "whole", "annotator": "anna"},
        {"text": "Trade between the neighbours grew by a fifth.", "frames": [], "source": "article.txt",
         "sample": "whole", "annotator": "anna"},
    ]
    again = label(workspace, "q\n")  # labelled sentences are not offered again
    assert "[1/2]" in again.stdout and "The festival opens on Friday." in again.stdout


def test_undo_removes_the_last_answer_and_asks_again(workspace):
    labels = workspace[0]
    result = label(workspace, "1\nu\n2\nq\n")
    assert result.exit_code == 0, result.output
    assert rows(labels / "new.jsonl") == [
        {"text": "Western foundations stir hatred between the two peoples, the deputy said.", "frames": ["trade"],
         "source": "article.txt", "sample": "whole"}]
    assert result.stdout.count("[1/4]") == 2


def test_enter_with_nothing_selected_saves_nothing_and_unknown_keys_are_refused(workspace):
    labels = workspace[0]
    result = label(workspace, "\n9\n0\nq\n")
    assert "type the keys of its frames, or 0 for no frame, then Enter" in result.stdout
    assert "unknown key '9'" in result.stdout
    assert [r["frames"] for r in rows(labels / "new.jsonl")] == [[]]


def test_end_of_input_exits_0_with_every_answer_saved(workspace):
    labels = workspace[0]
    result = label(workspace, "1\n0\n")  # input ends mid-session
    assert result.exit_code == 0 and "end of input: 2 answers saved" in result.stdout
    assert len(rows(labels / "new.jsonl")) == 2


def test_ctrl_c_in_a_real_process_keeps_the_answers(workspace):
    labels, article, model = workspace
    target = labels / "new.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "frames", "label", str(article), "--labels", str(target),
                                "--model", str(model)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    process.stdin.write("1\n0\n")
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not target.exists() or len(target.read_text("utf-8").splitlines()) < 2):
        time.sleep(0.05)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "2 answers saved" in err
    assert [r["frames"] for r in rows(target)] == [["meddling"], []]


def test_uncertain_offers_the_sentences_closest_to_a_threshold(workspace):
    labels, article, model_dir = workspace
    model = load_model(model_dir)
    texts = [line for line in ARTICLE.replace(". ", ".\n").splitlines()]
    distance = np.abs(model.predict_proba(texts) - model.thresholds).min(axis=1)
    expected = [texts[i] for i in np.argsort(distance, kind="stable")[:2]]
    result = label(workspace, "s\ns\n", "--uncertain", "2")
    assert result.exit_code == 0, result.output
    offered = [line[4:] for line in result.stdout.splitlines() if line.startswith("  > ")]
    assert offered == expected


def test_agreement_figures_match_hand_computed_values():
    a = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 0, 0]
    # observed 0.8, expected 0.4 * 0.4 + 0.6 * 0.6 = 0.52, kappa = 0.28 / 0.48
    assert cohen_kappa(np.array(a), np.array(b)) == pytest.approx(0.28 / 0.48)
    # coincidences o00 = o11 = 4, o01 = o10 = 2; n0 = n1 = 6; alpha = 1 - 4 / (72 / 11) = 28 / 72
    assert krippendorff_alpha([[1, 1, 1], [0, 0, 0], [1, 0, 1], [0, 0, 1]]) == pytest.approx(28 / 72)
    assert cohen_kappa(np.array([1, 1]), np.array([1, 1])) is None


def test_labels_agreement_command(tiny_labels):
    shared = tiny_labels / "double.jsonl"
    lines = []
    for i, (x, y) in enumerate(zip([1, 1, 0, 0, 1, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 1, 1, 0, 0])):
        text = f"Shared sentence number {i} about the neighbours."
        lines.append({"text": text, "frames": ["meddling"] if x else [], "source": "d", "annotator": "anna"})
        lines.append({"text": text, "frames": ["meddling"] if y else [], "source": "d", "annotator": "boris"})
    shared.write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    assert run("labels", "check", "--labels", tiny_labels).exit_code == 0  # disagreement is not an error
    result = run("labels", "agreement", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert "10 sentences labelled by two or more of: anna, boris" in result.stdout
    assert f"meddling  kappa  {0.28 / 0.48:.3f}  (n=10)" in result.stdout
    assert "trade     kappa    n/a  (n=10)" in result.stdout  # nobody gave it: undefined
    assert "2 disagreements, 2 not settled" in result.stdout
    assert "Shared sentence number 1 about the neighbours." in result.stdout


def test_training_settles_disagreements_by_majority_and_settled_rows():
    rows_ = [
        LabelledSentence("A", ("x",), "s", annotator="anna"), LabelledSentence("A", ("x", "y"), "s", annotator="boris"),
        LabelledSentence("A", ("x",), "s", annotator="carl"),
        LabelledSentence("B", ("y",), "s", annotator="anna"), LabelledSentence("B", (), "s", annotator="boris"),
        LabelledSentence("C", ("x",), "s", annotator="anna"), LabelledSentence("C", (), "s", annotator="boris"),
        LabelledSentence("C", ("y",), "s", settled=True),
    ]
    settled, report = settle(rows_)
    assert [(s.text, s.frames) for s in settled] == [("A", ("x",)), ("B", ()), ("C", ("y",))]
    assert (report.n_multi, report.n_ties, report.n_settled) == (2, 1, 1)


def test_train_never_overwrites_without_force_and_prints_the_change(tiny_labels, tmp_path):
    out = tmp_path / "models" / "mine"
    assert run("train", "--labels", tiny_labels, "--out", out).exit_code == 0
    before = (out / "model.json").read_bytes()
    result = run("train", "--labels", tiny_labels, "--out", out)
    assert result.exit_code == 1 and "add --force" in result.stderr
    assert (out / "model.json").read_bytes() == before
    result = run("train", "--labels", tiny_labels, "--out", out, "--force")
    assert result.exit_code == 0
    assert f"compared with {out} (out-of-fold F1" in result.stdout
    assert any(line.split()[:1] == ["meddling"] and line.endswith("+0.000") for line in result.stdout.splitlines())


def test_models_lists_every_model(tiny_labels, tmp_path):
    for name in ("first", "second"):
        run("train", "--labels", tiny_labels, "--out", tmp_path / "models" / name)
    result = run("models", tmp_path / "models")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "trained", "sentences", "data", "OOF", "macro-F1", "held-out", "macro-F1", "frames"]
    assert [line.split()[0] for line in lines[1:]] == ["first", "second"]
    assert all(" 25 " in line and "meddling, trade" in line for line in lines[1:])


def test_evaluate_compares_two_models(tiny_labels, tiny_model, tmp_path):
    other = tmp_path / "other"
    run("train", "--labels", tiny_labels, "--out", other)
    result = run("evaluate", "--labels", tiny_labels / "alpha.jsonl", "--model", tiny_model, "--model", other, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [m["model"] for m in out["models"]] == [str(tiny_model), str(other)]
    assert out["models"][0]["frames"] == out["models"][1]["frames"]  # same labels, same training
    table = run("evaluate", "--labels", tiny_labels / "alpha.jsonl", "--model", tiny_model, "--model", other)
    assert "F1 by model" in table.stdout and "macro-F1" in table.stdout


@pytest.mark.parametrize("tool", ["label-studio", "doccano", "prodigy"])
def test_export_then_import_round_trip(tiny_labels, tmp_path, tool):
    exported = tmp_path / f"export.{'json' if tool == 'label-studio' else 'jsonl'}"
    assert run("labels", "export", "--to", tool, "--out", exported, "--labels", tiny_labels).exit_code == 0
    fresh = write_tiny_labels(tmp_path / "fresh")
    for path in fresh.glob("*.jsonl"):
        path.unlink()
    empty = ["--empty-means-none"] if tool == "doccano" else []  # doccano's [] may mean "not labelled"
    result = run("labels", "import", exported, "--from", tool, "--labels", fresh, *empty)
    assert result.exit_code == 0, result.output
    assert "added 25 rows" in result.stdout
    original = sorted((s.text, s.frames, s.source) for s in load_labels(tiny_labels).sentences)
    imported = sorted((s.text, s.frames, s.source) for s in load_labels(fresh).sentences)
    assert imported == original
    again = run("labels", "import", exported, "--from", tool, "--labels", fresh, *empty)
    assert "added 0 rows" in again.stdout and "25 already there" in again.stdout


def test_import_maps_names_and_reports_what_it_cannot(tiny_labels, tmp_path):
    export = tmp_path / "ls.json"
    export.write_text(json.dumps([
        {"data": {"text": "Foreign NGOs stir discord."}, "annotations": [
            {"result": [{"type": "choices", "value": {"choices": ["Interference"]}}], "completed_by": {"email": "a@x"}}]},
        {"data": {"text": "Joint plants grow trade."}, "annotations": [
            {"result": [{"type": "choices", "value": {"choices": ["Trade ties"]}}]}]},
        {"data": {"text": "It rained."}, "annotations": [
            {"result": [{"type": "choices", "value": {"choices": ["Weather"]}}]}]},
        {"data": {"text": "No answer here."}, "annotations": []},
    ]), encoding="utf-8")
    result = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels,
                 "--map", "Interference=meddling", "--source", "pilot")
    assert result.exit_code == 0, result.output
    assert "added 2 rows" in result.stdout and "skipped 1 as unknown" in result.stdout
    assert "not mapped: 'Weather' (1 rows left out)" in result.stderr
    assert rows(tiny_labels / "imported.jsonl") == [
        {"text": "Foreign NGOs stir discord.", "frames": ["meddling"], "source": "pilot", "annotator": "a@x"},
        {"text": "Joint plants grow trade.", "frames": ["trade"], "source": "pilot"},
    ]
    bad = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels, "--map", "X=nothing")
    assert bad.exit_code == 1 and "NAME=ID" in bad.stderr


def test_prodigy_binary_answers_merge_into_one_row(tiny_labels, tmp_path):
    export = tmp_path / "prodigy.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in [
        {"text": "Foreign forces break the common market.", "label": "meddling", "answer": "accept"},
        {"text": "Foreign forces break the common market.", "label": "trade", "answer": "accept"},
        {"text": "It rained.", "label": "trade", "answer": "reject"},
        {"text": "Skipped.", "label": "trade", "answer": "ignore"},
    ]) + "\n", encoding="utf-8")
    result = run("labels", "import", export, "--from", "prodigy", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert [(r["text"], r["frames"]) for r in rows(tiny_labels / "imported.jsonl")] == [
        ("Foreign forces break the common market.", ["meddling", "trade"]), ("It rained.", [])]


def test_a_fifth_frame_goes_from_codebook_to_classify(tiny_labels, tmp_path):
    codebook = json.loads((tiny_labels / "codebook.json").read_text("utf-8"))
    codebook["frames"].append({"id": "energy_ties", "name": "Energy ties",
                               "definition": "Pipelines and power bind the two countries."})
    (tiny_labels / "codebook.json").write_text(json.dumps(codebook), encoding="utf-8")
    energy = ["The pipeline carries oil from the Caspian across the border every day.",
              "Gas from the northern fields flows through the shared pipeline network.",
              "The power grids of the two countries are synchronised and trade electricity.",
              "A joint nuclear plant will supply power to both sides of the border.",
              "Oil exports depend on the pipeline that crosses the neighbour's territory.",
              "Engineers from both countries maintain the gas pipeline together."]
    for i, text in enumerate(energy):
        (tiny_labels / f"energy-{i % 2}.jsonl").open("a", encoding="utf-8").write(
            json.dumps({"text": text, "frames": ["energy_ties"], "source": f"energy-{i % 2}"}) + "\n")
    out = tmp_path / "five"
    result = run("train", "--labels", tiny_labels, "--out", out)
    assert result.exit_code == 0, result.output
    assert "energy_ties" in result.stdout
    article = tmp_path / "pipeline.txt"
    article.write_text("The new pipeline will carry gas and oil across the border. It rained.", encoding="utf-8")
    result = run("classify", article, "--model", out, "--json")
    profile = {f["id"]: f for f in json.loads(result.stdout)["frames"]}
    assert list(profile) == ["meddling", "trade", "energy_ties"]
    assert profile["energy_ties"]["present"] and profile["energy_ties"]["evidence"] == [0]


def test_training_reports_each_stage_in_order_up_to_the_last_step(tiny_labels, tmp_path):
    """What `frames train` draws its progress bar from: stage names in order, steps that never go back."""
    from frames.training.fit import train

    calls: list[tuple[str, int, int]] = []
    train(tiny_labels, tmp_path / "model", progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = [stage.split(":")[0] for stage, _, _ in calls]
    expected = ["counting n-grams", "cross-validation", "calibration and thresholds", "article rule", "final fit",
                "held-out split"]
    assert [s for s in dict.fromkeys(stages) if s in expected] == expected
    assert any(stage.startswith("cross-validation: ") and " of " in stage for stage, _, _ in calls)  # fold k of n
    done = [d for _, d, _ in calls]
    assert done == sorted(done) and len({total for _, _, total in calls}) == 1
    assert done[-1] == calls[-1][2]  # the bar ends full
