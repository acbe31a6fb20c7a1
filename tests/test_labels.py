"""The labels store: the shipped data is complete and valid, and every kind of bad line is caught."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from frames import LabelsError, check_labels, load_codebook, load_labels, split_sentences
from frames.labels.store import label_files

from conftest import LABELS


def test_shipped_labels_pass_the_check(pool):
    assert check_labels(LABELS) == []


def test_shipped_labels_meet_the_minimum_counts(pool, shipped_labels):
    labels = shipped_labels
    counts = Counter(f for s in labels.sentences for f in s.frames)
    for frame in labels.codebook.ids:
        assert counts[frame] >= 150, frame
    negatives = [s for s in labels.sentences if not s.frames]
    assert len(negatives) >= 500
    hard = 0
    for path in label_files(LABELS):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            hard += row.get("note") == "hard negative" and not row["frames"]
    assert hard >= 100


def test_codebook_carries_the_four_default_frames():
    codebook = load_codebook(LABELS)
    assert codebook.ids == ("foreign_interference", "sanctions_resilience", "historical_unity", "economic_integration")
    assert all(f.definition and f.excludes for f in codebook.frames)


def test_every_seed_sentence_is_labelled_in_order(seeds):
    for path in seeds:
        rows = [json.loads(line) for line in (LABELS / "seeds" / f"{path.stem}.jsonl").read_text("utf-8").splitlines()]
        assert [r["text"] for r in rows] == [s.text for s in split_sentences(path.read_text("utf-8"))]
        assert {r["source"] for r in rows} == {path.name}


BAD_LINES = [
    ('{"text": "A sentence", "frames": [], "source": "a"', "malformed JSON"),
    ('["not", "an", "object"]', "expected a JSON object"),
    ('{"frames": [], "source": "a"}', 'missing or empty "text"'),
    ('{"text": "   ", "frames": [], "source": "a"}', 'missing or empty "text"'),
    ('{"text": "A sentence", "frames": "meddling", "source": "a"}', '"frames" must be a list'),
    ('{"text": "A sentence", "frames": ["meddling", "meddling"], "source": "a"}', "listed twice"),
    ('{"text": "A sentence", "frames": []}', 'missing or empty "source"'),
    ('{"text": "A sentence", "frames": ["sanctions"], "source": "a"}', "unknown frame 'sanctions'"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_check_reports_file_and_line(tiny_labels, line, message):
    path = tiny_labels / "alpha.jsonl"
    path.write_text(path.read_text("utf-8") + line + "\n", encoding="utf-8")
    n = len(path.read_text("utf-8").splitlines())
    problems = check_labels(tiny_labels)
    assert [str(p) for p in problems] == [f"{path}:{n}: {p.message}" for p in problems]
    assert len(problems) == 1 and problems[0].line == n and message in problems[0].message


def test_conflicting_duplicates_are_reported_but_agreeing_ones_are_not(tiny_labels):
    extra = tiny_labels / "delta.jsonl"
    extra.write_text(
        json.dumps({"text": "The meeting will take place on Thursday.", "frames": [], "source": "d"}) + "\n"
        + json.dumps({"text": "the meeting  will take place on thursday.", "frames": ["trade"], "source": "d"}) + "\n",
        encoding="utf-8",
    )
    problems = check_labels(tiny_labels)
    assert len(problems) == 1
    assert problems[0].file == str(extra) and problems[0].line == 2
    assert "alpha.jsonl:7" in problems[0].message and "settle on one" in problems[0].message


def test_non_utf8_label_file_is_reported(tiny_labels):
    (tiny_labels / "latin.jsonl").write_bytes('{"text": "Café", "frames": [], "source": "x"}\n'.encode("cp1252"))
    problems = check_labels(tiny_labels)
    assert len(problems) == 1 and "not UTF-8" in problems[0].message


def test_training_refuses_labels_with_problems(tiny_labels):
    (tiny_labels / "alpha.jsonl").write_text("{oops\n", encoding="utf-8")
    with pytest.raises(LabelsError, match=r"alpha.jsonl:1: malformed JSON.*frames labels check"):
        load_labels(tiny_labels)


@pytest.mark.parametrize(
    ("codebook", "message"),
    [
        ("not json", "not a readable JSON codebook"),
        ('{"frames": []}', '"format"'),
        ('{"format": "frames-codebook/1", "frames": []}', "non-empty"),
        ('{"format": "frames-codebook/1", "frames": [{"id": "Bad Id", "name": "x", "definition": "y"}]}', "snake_case"),
        ('{"format": "frames-codebook/1", "frames": [{"id": "a", "name": "x", "definition": "y"},'
         ' {"id": "a", "name": "x", "definition": "y"}]}', "appears twice"),
        ('{"format": "frames-codebook/1", "frames": [{"id": "a", "name": "x"}]}', "definition"),
    ],
)
def test_bad_codebooks(tiny_labels, codebook, message):
    (tiny_labels / "codebook.json").write_text(codebook, encoding="utf-8")
    with pytest.raises(LabelsError, match=message):
        load_codebook(tiny_labels)


def test_a_new_frame_in_the_codebook_is_accepted_by_the_check(tiny_labels):
    codebook = json.loads((tiny_labels / "codebook.json").read_text("utf-8"))
    codebook["frames"].append({"id": "energy_ties", "name": "Energy ties", "definition": "Pipelines bind them."})
    (tiny_labels / "codebook.json").write_text(json.dumps(codebook), encoding="utf-8")
    (tiny_labels / "epsilon.jsonl").write_text(
        json.dumps({"text": "The pipeline binds the two economies.", "frames": ["energy_ties"], "source": "e"}) + "\n",
        encoding="utf-8")
    assert check_labels(tiny_labels) == []
