"""Partial labels ("absent": frames judged absent, the others unknown) and the checks on label rows.

A frame a row does not judge must count for nothing: not as a negative in training, not as a
vote or a disagreement between annotators, not as a miss in evaluation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from frames import check_labels, load_labels
from frames.labels.agreement import PARTIAL_RULE, SETTLE_RULE, agreement, cohen_kappa, settle
from frames.cli import app
from frames.training.evaluation import known_matrix, label_matrix, score_frames
from frames.labels.store import LabelledSentence

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def add(labels: Path, name: str, rows: list[dict]) -> Path:
    path = labels / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --- the row field and the check -----------------------------------------------------------------

def test_a_partial_row_reads_as_known_frames_only(tiny_labels):
    add(tiny_labels, "teach.jsonl", [
        {"text": "Envoys from abroad stir trouble on the border.", "frames": ["meddling"], "absent": [], "source": "t"},
        {"text": "The ministry said nothing about prices.", "frames": [], "absent": ["trade"], "source": "t"},
    ])
    assert check_labels(tiny_labels) == []
    rows = {s.text: s for s in load_labels(tiny_labels).sentences}
    assert rows["Envoys from abroad stir trouble on the border."].known == ("meddling",)
    assert rows["The ministry said nothing about prices."].known == ("trade",)
    assert rows["The meeting will take place on Thursday."].known is None
    sentences = [rows["Envoys from abroad stir trouble on the border."], rows["The ministry said nothing about prices."],
                 rows["The meeting will take place on Thursday."]]
    assert known_matrix(sentences, ("meddling", "trade")).tolist() == [[True, False], [False, True], [True, True]]


BAD_ABSENT = [
    ({"frames": [], "absent": "trade"}, '"absent" must be a list of frame ids'),
    ({"frames": [], "absent": ["trade", "trade"]}, 'listed twice in "absent"'),
    ({"frames": ["trade"], "absent": ["trade"]}, "is in both \"frames\" and \"absent\""),
    ({"frames": [], "absent": ["sanctions"]}, "unknown frame 'sanctions'"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_ABSENT, ids=[m for _, m in BAD_ABSENT])
def test_bad_absent_fields_are_problems(tiny_labels, fields, message):
    path = add(tiny_labels, "teach.jsonl", [{"text": "A sentence nobody else labelled.", "source": "t", **fields}])
    problems = check_labels(tiny_labels)
    assert len(problems) == 1 and problems[0].file == str(path) and problems[0].line == 1
    assert message in problems[0].message


LINES = [
    ('{"text": 42, "frames": [], "source": "a"}', '"text" must be a string (the sentence), not a number (42)'),
    ('{"text": ["A"], "frames": [], "source": "a"}', '"text" must be a string (the sentence), not a list'),
    ('{"text": "A sentence", "frames": [], "source": "a", "frames": ["trade"]}',
     "the key 'frames' is given twice in one row (JSON readers silently keep only one of them)"),
    ('{"text": "A sentence", "frames": [], "source": "a", "score": NaN}', "NaN is not a number JSON allows"),
    ('{"text": "A sentence", "frames": [], "source": "a", "setled": true}', "unknown field 'setled'"),
]


@pytest.mark.parametrize(("line", "message"), LINES, ids=[m[:30] for _, m in LINES])
def test_check_names_the_mistake_in_one_line(tiny_labels, line, message):
    (tiny_labels / "extra.jsonl").write_text(line + "\n", encoding="utf-8")
    result = run("labels", "check", "--labels", tiny_labels)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{tiny_labels / 'extra.jsonl'}:1: {result.stdout.split(': ', 1)[1].strip()}"]
    assert message in result.stdout


def test_check_reports_a_wrongly_typed_article_text(tiny_labels):
    (tiny_labels / "articles").mkdir()
    (tiny_labels / "articles" / "a.jsonl").write_text('{"text": 42, "source": "a", "frames": []}\n', encoding="utf-8")
    problems = check_labels(tiny_labels)
    assert [p.message for p in problems] == ['"text" must be a string (the article), not a number (42)']


def test_check_says_which_json_files_it_ignores(tiny_labels):
    (tiny_labels / "batch-07.json").write_text('[{"text": "x", "frames": []}]', encoding="utf-8")
    (tiny_labels / "old").mkdir()
    (tiny_labels / "old" / "codebook.json").write_text("{}", encoding="utf-8")
    (tiny_labels / "test-split.json").write_text('{"format": "frames-test-split/1", "documents": []}', encoding="utf-8")
    result = run("labels", "check", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith(f"warning: {tiny_labels / 'batch-07.json'}: ignored: labels are read from *.jsonl")
    assert warnings[1].startswith(f"warning: {tiny_labels / 'old' / 'codebook.json'}: ignored")
    assert "test-split.json: ignored" not in result.stderr and "codebook.json, corpora.json, test-split.json" in warnings[0]


def test_partial_rows_of_one_annotator_conflict_only_on_a_frame_both_judge(tiny_labels):
    text = "Envoys from abroad stir trouble on the border."
    add(tiny_labels, "teach.jsonl", [
        {"text": text, "frames": ["meddling"], "absent": [], "source": "t", "annotator": "anna"},
        {"text": text, "frames": [], "absent": ["trade"], "source": "t", "annotator": "anna"},
    ])
    assert check_labels(tiny_labels) == []
    add(tiny_labels, "more.jsonl", [{"text": text, "frames": [], "source": "t", "annotator": "anna"}])
    problems = check_labels(tiny_labels)
    assert len(problems) == 1 and "settle on one" in problems[0].message


# --- settling and agreement ----------------------------------------------------------------------

def row(text: str, frames: tuple, annotator: str, known: tuple | None = None) -> LabelledSentence:
    return LabelledSentence(text, frames, "s", annotator=annotator, known=known)


def test_an_annotator_who_did_not_judge_a_frame_does_not_vote_on_it():
    settled, report = settle([
        row("A", ("x",), "anna"),  # complete: x present, y absent
        row("A", ("y",), "boris", known=("y",)),  # judged y only
    ])
    # x: anna alone judged it and gave it (kept); y: one of two gave it (a tie: absent)
    assert [(s.frames, s.known) for s in settled] == [(("x",), None)]
    assert (report.n_multi, report.n_ties) == (1, 1)
    assert report.rule == PARTIAL_RULE and settle([row("A", ("x",), "anna")])[1].rule == SETTLE_RULE


def test_settling_partial_annotators_keeps_unjudged_frames_unknown():
    settled, _ = settle([row("A", ("x",), "anna", known=("x",)), row("A", (), "boris", known=("x", "y"))])
    assert [(s.frames, s.known) for s in settled] == [((), ("x", "y"))]  # x: a tie; y: judged absent; z: unknown
    merged, _ = settle([row("B", ("x",), "anna", known=("x",)), row("B", (), "anna", known=("y",))])
    assert [(s.frames, s.known) for s in merged] == [(("x",), ("x", "y"))]  # one annotator's rows taken together


def test_agreement_counts_only_annotators_who_judged_the_frame():
    rows = []
    anna = {"A": ("x",), "B": (), "C": ("x", "y"), "D": ("y",)}
    boris = {"A": ("x",), "B": ("x",), "C": ("y",), "D": ()}
    boris_known = {"A": ("x", "y"), "B": ("x", "y"), "C": ("y",), "D": ("y",)}  # x unknown on C and D
    for text in anna:
        rows.append(row(text, anna[text], "anna"))
        rows.append(row(text, boris[text], "boris", known=boris_known[text]))
    report = agreement(rows, ("x", "y"))
    x, y = report.frames
    assert (x.n, y.n) == (2, 4)
    assert x.value == cohen_kappa(np.array([True, False]), np.array([True, True]))
    assert y.value == cohen_kappa(np.array([False, False, True, True]), np.array([False, False, True, False]))
    # C: boris did not judge x, so only B (x) and D (y) are disagreements
    assert [d.text for d in report.disagreements] == ["B", "D"]


def test_agreement_command_shows_what_a_partial_annotator_judged(tiny_labels):
    text = "Envoys from abroad stir trouble on the border."
    add(tiny_labels, "two.jsonl", [
        {"text": text, "frames": ["meddling", "trade"], "source": "t", "annotator": "anna"},
        {"text": text, "frames": [], "absent": ["trade"], "source": "t", "annotator": "boris"},
    ])
    result = run("labels", "agreement", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert "    boris: none  (judged only trade)" in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith(("meddling", "trade"))}
    assert "(n=0)" in lines["meddling"] and "(n=1)" in lines["trade"]


# --- evaluation and training ---------------------------------------------------------------------

def test_evaluation_scores_each_frame_on_the_rows_that_judge_it():
    truth = np.array([[True, False], [False, False], [False, False]])
    predicted = np.array([[True, True], [True, False], [False, True]])
    known = np.array([[True, False], [False, True], [True, True]])
    scores = score_frames(truth, predicted, ("x", "y"), known)
    assert (scores.frames["x"].precision, scores.frames["x"].recall) == (1.0, 1.0)  # row 2 does not judge x
    assert scores.frames["y"].precision == 0.0 and scores.n_none == 1 and scores.false_alarm == 1.0
    complete = score_frames(truth, predicted, ("x", "y"))
    assert complete.frames["x"].precision == 0.5


PARTIAL = [
    {"text": "Envoys paid from abroad stir trouble on the border, officials said.", "frames": ["meddling"], "absent": []},
    {"text": "Western foundations pay bloggers to sow discord, the deputy claimed.", "frames": ["meddling"], "absent": []},
    {"text": "Joint factories on both sides sell tractors across the common market.", "frames": [], "absent": ["meddling"]},
    {"text": "Freight on the new rail corridor doubled this year.", "frames": [], "absent": ["meddling"]},
]


def train_partial(labels: Path, out: Path, complete: bool = False):
    from frames.training.fit import train

    add(labels, "teach.jsonl", [{k: v for k, v in r.items() if not (complete and k == "absent")} | {"source": "teach"}
                                for r in PARTIAL])
    return train(labels, out)


def model_files(out: Path) -> tuple[bytes, dict]:
    data = json.loads((out / "model.json").read_text("utf-8"))
    return (out / "weights.npz").read_bytes(), {k: data[k] for k in ("thresholds", "calibration", "features")}


def test_what_an_unknown_cell_holds_never_changes_the_model(tiny_labels, tmp_path, monkeypatch):
    import frames.training.fit

    first = train_partial(tiny_labels, tmp_path / "a")
    assert first.label_counts["none"] == 8  # the tiny labels' 8; the partial rows are not "no frame"

    def polluted(sentences, frame_ids):  # put a positive in every cell the labels leave unknown
        return label_matrix(sentences, frame_ids) | ~known_matrix(sentences, frame_ids)

    monkeypatch.setattr(frames.training.fit, "label_matrix", polluted)
    frames.training.fit.train(tiny_labels, tmp_path / "b")
    assert model_files(tmp_path / "a") == model_files(tmp_path / "b")


def test_partial_rows_train_differently_from_the_same_rows_read_as_complete(tmp_path):
    from conftest import write_tiny_labels

    partial = train_partial(write_tiny_labels(tmp_path / "p"), tmp_path / "a")
    complete = train_partial(write_tiny_labels(tmp_path / "c"), tmp_path / "b", complete=True)
    assert partial.data_sha256 != complete.data_sha256
    assert model_files(tmp_path / "a")[0] != model_files(tmp_path / "b")[0]
