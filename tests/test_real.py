"""Real text: corpora, reference labels, the held-out split, article labels, the article rule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from frames.cli import app
from frames.text.corpus import Document, read_corpus
from frames.errors import Problem
from frames.labels.store import check_labels, load_articles, load_labels, in_held_out_split
from frames.model.modelfile import read_model, save_model_folder
from frames.labels.references import span_hash
from frames.training.rule_choice import best_cut, choose_rule
from frames.model.verdict import ArticleRule, decide, statistics

from conftest import TINY, write_tiny_labels

runner = CliRunner()

DOCS = [
    {"id": "doc-1", "outlet": "Wire", "date": "2022-03-01",
     "text": "Western foundations stir hatred between the two peoples, the deputy said. Trade between the neighbours "
             "grew by a fifth. The festival opens on Friday."},
    {"id": "doc-2", "outlet": "Daily", "date": "2022-04-02",
     "text": "Outside forces want to break up the common market. Rain is expected over the weekend."},
]


def run(*args, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "pool" / "news.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(d) + "\n" for d in DOCS), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, corpus: Path) -> Path:
    """A labels folder beside a corpus, with the corpus registered."""
    labels = write_tiny_labels(tmp_path / "labels")
    (labels / "corpora.json").write_text(json.dumps({"format": "frames-corpora/1", "corpora": {
        "news": {"path": "../pool/news.jsonl", "text_field": "text", "id_field": "id"}}}), encoding="utf-8")
    return labels


def reference_row(doc: dict, sentence: str, frames: list[str], **extra) -> dict:
    start = doc["text"].index(sentence)
    end = start + len(sentence)
    return {"corpus": "news", "doc": doc["id"], "start": start, "end": end, "sha": span_hash(doc["text"][start:end]),
            "frames": frames, **extra}


def test_corpus_rows_and_bad_rows_are_reported_with_their_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"id": "a", "text": "One."}\n{"id": "b"}\nnot json\n{"id": "a", "text": "Again."}\n'
                     b'{"id": "c", "text": "\xff bad"}\n')
    items = list(read_corpus(path, meta=("outlet",)))
    assert isinstance(items[0], Document) and items[0].id == "a" and items[0].line == 1
    assert [str(p) for p in items[1:]] == [
        f"{path}:2: no text in field 'text' (fields: id); give --text-field",
        f"{path}:3: malformed JSON (Expecting value at column 1)",
        f"{path}:4: id 'a' appears twice (first on line 1, with another text); ids must be unique",
        f"{path}:5: not UTF-8 (invalid start byte at byte 21); re-save it as UTF-8",
    ]
    assert all(isinstance(p, Problem) for p in items[1:])


def test_csv_and_gzip_corpora_read_like_jsonl(tmp_path):
    import csv
    import gzip

    plain = tmp_path / "c.csv"
    with open(plain, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["id", "text", "outlet"])
        writer.writeheader()
        for d in DOCS:
            writer.writerow({k: d[k] for k in ("id", "text", "outlet")})
    zipped = tmp_path / "c.jsonl.gz"
    with gzip.open(zipped, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(d) + "\n" for d in DOCS)
    for path in (plain, zipped):
        documents = list(read_corpus(path, meta=("outlet",)))
        assert [(d.id, d.meta) for d in documents] == [("doc-1", {"outlet": "Wire"}), ("doc-2", {"outlet": "Daily"})]
        assert documents[0].text == DOCS[0]["text"]


def test_reference_rows_resolve_to_the_corpus_text(project):
    row = reference_row(DOCS[0], "Trade between the neighbours grew by a fifth.", ["trade"], source="doc-1")
    (project / "real.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert check_labels(project) == []
    resolved = [s for s in load_labels(project).sentences if s.real]
    assert [(s.text, s.frames, s.source, s.corpus) for s in resolved] == [
        ("Trade between the neighbours grew by a fifth.", ("trade",), "doc-1", "news")]


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(corpus="elsewhere"), "unknown corpus 'elsewhere'"),
    (lambda r: r.update(doc="doc-9"), "document 'doc-9' is not in corpus 'news'"),
    (lambda r: r.update(end=10_000), "outside document 'doc-1'"),
    (lambda r: r.update(sha="000000000000"), "the corpus changed since this was labelled"),
    (lambda r: r.update(text="copied"), "carries no \"text\""),
    (lambda r: r.update(setled=True), "unknown field 'setled'"),
])
def test_labels_check_verifies_every_reference(project, change, message):
    row = reference_row(DOCS[0], "The festival opens on Friday.", [])
    change(row)
    (project / "real.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = run("labels", "check", "--labels", project)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{project / 'real.jsonl'}:1: ") and message in result.stdout


def missing_corpus_project(project: Path, corpus: Path) -> Path:
    """The project with real rows (three sentences, one article) pointing into a corpus that is gone."""
    sentences = ["Western foundations stir hatred between the two peoples, the deputy said.",
                 "Trade between the neighbours grew by a fifth.", "The festival opens on Friday."]
    (project / "real.jsonl").write_text("".join(json.dumps(reference_row(DOCS[0], s, [])) + "\n" for s in sentences),
                                        encoding="utf-8")
    (project / "articles").mkdir()
    (project / "articles" / "real.jsonl").write_text(json.dumps(
        {"corpus": "news", "doc": "doc-2", "sha": span_hash(DOCS[1]["text"]), "frames": ["meddling"]}) + "\n",
        encoding="utf-8")
    corpus.unlink()
    return project


MISSING = ("{} into corpus 'news', expected at pool/news.jsonl (not found); put the "
           "corpus there to retrain or check these rows (see \"The labelled corpora\" in the README)")


def test_a_missing_corpus_is_one_line_with_its_rows_counted_and_the_rest_loads(project, corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    labels = missing_corpus_project(project, corpus)
    line = "labels/corpora.json: " + MISSING.format("4 rows point")
    problems = check_labels(labels)
    assert [str(p) for p in problems] == [line]
    assert isinstance(problems[0], Problem) and (problems[0].line, problems[0].rows) == (0, 4)
    label_set = load_labels(labels)
    assert len(label_set.sentences) == sum(len(rows) for rows in TINY.values()) and label_set.missing == tuple(problems)
    assert load_articles(labels) == ()

    result = run("labels", "check", "--labels", "labels")
    assert result.exit_code == 1 and result.stdout == line + "\n"
    assert result.stderr == "1 problem(s) found\n"


def test_train_and_evaluate_leave_out_rows_of_a_missing_corpus_with_one_warning(project, corpus, tmp_path,
                                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    labels = missing_corpus_project(project, corpus)
    trained = run("train", "--labels", "labels", "--out", "model")
    assert trained.exit_code == 0, trained.output
    assert trained.stderr.startswith(f"warning: labels/corpora.json: {MISSING.format('4 rows point')}; "
                                     f"training on the other rows\n")
    assert trained.stderr.count("warning: ") == 1
    assert f"{sum(len(rows) for rows in TINY.values())} sentences" in trained.stdout

    both = labels / "held-out" / "both.jsonl"  # in the labels folder: its corpora.json names the corpus
    both.parent.mkdir()
    both.write_text((labels / "real.jsonl").read_text("utf-8") + (labels / "alpha.jsonl").read_text("utf-8"),
                    encoding="utf-8")
    scored = run("evaluate", "--labels", both, "--model", "model", "--model", "model", "--json")
    assert scored.exit_code == 0, scored.output
    assert scored.stderr == f"warning: labels/corpora.json: {MISSING.format('3 rows point')}\n"  # once, not per model
    assert all(m["n"] == len(TINY["alpha"]) for m in json.loads(scored.stdout)["models"])
    nothing = run("evaluate", "--articles", "labels/articles/real.jsonl", "--model", "model")
    assert nothing.exit_code == 1
    reason = MISSING.format("1 row points")
    assert nothing.stderr == f"error: labels/articles/real.jsonl: no labelled articles to evaluate ({reason})\n"


def test_label_a_corpus_writes_reference_rows_and_registers_it(tmp_path, corpus, tiny_model):
    labels = write_tiny_labels(tmp_path / "labels")
    target = labels / "mine.jsonl"
    result = run("label", corpus, "--labels", target, "--model", tiny_model, "--annotator", "anna",
                 input="1\n2\n0\nq\n")
    assert result.exit_code == 0, result.output
    written = rows(target)
    assert [r["frames"] for r in written] == [["meddling"], ["trade"], []]
    assert all("text" not in r and r["corpus"] == "news" and r["sample"] == "whole" for r in written)
    registry = json.loads((labels / "corpora.json").read_text("utf-8"))
    assert registry["corpora"]["news"]["path"] == "../pool/news.jsonl"
    resolved = [s for s in load_labels(labels).sentences if s.real]
    assert [s.text for s in resolved] == [
        "Western foundations stir hatred between the two peoples, the deputy said.",
        "Trade between the neighbours grew by a fifth.", "The festival opens on Friday."]


def test_random_sample_is_the_same_for_the_same_seed(tmp_path, corpus, tiny_model):
    offered = []
    for attempt in range(3):
        labels = write_tiny_labels(tmp_path / f"labels{attempt}")
        seed = "7" if attempt < 2 else "8"
        result = run("label", corpus, "--labels", labels / "x.jsonl", "--model", tiny_model, "--random", "3",
                     "--seed", seed, input="s\ns\ns\n")
        assert result.exit_code == 0, result.output
        offered.append([line[4:] for line in result.stdout.splitlines() if line.startswith("  > ")])
    assert len(offered[0]) == 3 and offered[0] == offered[1]
    assert offered[0] != offered[2] or sorted(offered[0]) == offered[0]


def test_whole_article_mode_writes_article_references(tmp_path, corpus, tiny_model):
    labels = write_tiny_labels(tmp_path / "labels")
    target = labels / "articles" / "mine.jsonl"
    result = run("label", corpus, "--articles", "--labels", target, "--model", tiny_model, input="12\n0\n")
    assert result.exit_code == 0, result.output
    assert "Outside forces want to break up the common market." in result.stdout
    assert rows(target) == [
        {"corpus": "news", "doc": "doc-1", "sha": span_hash(DOCS[0]["text"]), "frames": ["meddling", "trade"]},
        {"corpus": "news", "doc": "doc-2", "sha": span_hash(DOCS[1]["text"]), "frames": []},
    ]
    assert [(a.source, a.frames) for a in load_articles(labels)] == [("doc-1", ("meddling", "trade")), ("doc-2", ())]
    again = run("label", corpus, "--articles", "--labels", target, "--model", tiny_model, input="")
    assert "nothing to label" in again.stdout


def test_a_missing_path_is_an_error_not_nothing_to_label(tmp_path, tiny_model):
    result = run("label", tmp_path / "typo.txt", "--labels", tmp_path / "l.jsonl", "--model", tiny_model)
    assert result.exit_code == 1 and "typo.txt: no such file or folder" in result.stderr


def test_held_out_split_is_fixed_by_seed_and_share():
    docs = [f"doc-{i}" for i in range(2000)]
    held = [d for d in docs if in_held_out_split(20261125, 0.2, d)]
    assert 0.17 < len(held) / len(docs) < 0.23
    assert held == [d for d in docs if in_held_out_split(20261125, 0.2, d)]
    assert held != [d for d in docs if in_held_out_split(1, 0.2, d)]


def test_article_statistics_and_rules():
    probabilities = np.array([[0.9, 0.1], [0.6, 0.2], [0.1, 0.35], [0.2, 0.1]])
    stats = statistics(probabilities, np.array([0.5, 0.3]))
    np.testing.assert_allclose(stats, [[0.9, (0.9 + 0.6 + 0.2) / 3, 2, 0.5], [0.35, (0.35 + 0.2 + 0.1) / 3, 1, 0.25]])
    assert decide(ArticleRule("count", (2.0, 2.0)), stats).tolist() == [True, False]
    assert decide(ArticleRule("share", (0.3, 0.2)), stats).tolist() == [True, True]
    assert decide(ArticleRule("max", (0.95, 0.3)), stats).tolist() == [False, True]
    assert best_cut(np.array([0.1, 0.4, 0.8, 0.9]), np.array([False, False, True, True])) == 0.8


def test_rule_choice_prefers_counting_when_long_articles_have_stray_sentences():
    rng = np.random.default_rng(0)
    articles, truth, sources = [], [], []
    for i in range(120):
        pushes = i % 3 == 0
        n = int(rng.integers(20, 60))
        p = rng.uniform(0, 0.3, size=(n, 1))
        p[rng.integers(n)] = rng.uniform(0.8, 0.99)  # one stray sentence far over threshold in every article
        if pushes:
            p[rng.choice(n, 5, replace=False)] = rng.uniform(0.8, 0.99, size=(5, 1))
        articles.append(p)
        truth.append([pushes])
        sources.append(f"a{i}")
    choice = choose_rule(articles, np.array(truth), np.array([0.5]), sources)
    scores = {s.kind: s.macro_f1 for s in choice.scores}
    assert scores["count"] > 0.95 > scores["max"]
    assert choice.rule.kind in {"count", "share", "top_mean", "logistic"}


def test_the_article_rule_and_calibration_survive_a_round_trip(tiny_model, tmp_path):
    from dataclasses import replace

    data = read_model(tiny_model)
    rule = ArticleRule("logistic", (0.4, 0.6), ((1.0, 2.0, 0.5, -1.0, -2.0), (0.5, 0.5, 0.5, 0.5, -1.0)))
    changed = replace(data, rule=rule, calibration=np.array([[0.8, -1.0], [1.2, 0.5]]))
    save_model_folder(changed, tmp_path / "copy")
    again = read_model(tmp_path / "copy")
    assert again.article_rule == rule
    np.testing.assert_array_equal(again.calibration, changed.calibration)
    config = json.loads((tmp_path / "copy" / "model.json").read_text("utf-8"))
    assert config["article_rule"] == {"kind": "logistic", "cuts": [0.4, 0.6],
                                      "weights": [[1.0, 2.0, 0.5, -1.0, -2.0], [0.5, 0.5, 0.5, 0.5, -1.0]]}


def test_evaluate_articles_gives_the_sentence_schema_at_article_level(project, tiny_model):
    folder = project / "articles"
    folder.mkdir()
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [
        {"corpus": "news", "doc": "doc-1", "sha": span_hash(DOCS[0]["text"]), "frames": ["meddling", "trade"]},
        {"corpus": "news", "doc": "doc-2", "sha": span_hash(DOCS[1]["text"]), "frames": ["meddling"]},
        {"text": "The match ended in a draw. Rain is expected.", "source": "inline", "frames": []},
    ]), encoding="utf-8")
    result = run("evaluate", "--articles", folder / "a.jsonl", "--model", tiny_model, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"macro_f1", "frames", "n", "false_alarm", "n_none", "without_support"}
    assert out["n"] == 3 and out["n_none"] == 1
    assert out["frames"]["meddling"]["support"] == 2 and out["frames"]["trade"]["support"] == 1
    table = run("evaluate", "--articles", folder / "a.jsonl", "--model", tiny_model)
    assert "(3 articles)" in table.stdout and "false alarms:" in table.stdout


def test_evaluate_refuses_malformed_rows_unless_skip_bad(tmp_path, tiny_model):
    path = tmp_path / "e.jsonl"
    path.write_text('{"text": "Trade grew.", "frames": ["trade"], "source": "s"}\n{"text": broken\n', encoding="utf-8")
    refused = run("evaluate", "--labels", path, "--model", tiny_model)
    assert refused.exit_code == 1 and f"{path}:2: malformed JSON" in refused.stderr and "--skip-bad" in refused.stderr
    assert run("evaluate", "--labels", path, "--model", tiny_model, "--skip-bad").exit_code == 0


def test_macro_f1_leaves_out_frames_without_support():
    from frames.training.evaluation import score_frames

    truth = np.array([[True, False], [False, False]])
    evaluation = score_frames(truth, np.array([[True, False], [False, True]]), ("a", "b"))
    assert evaluation.macro_f1 == 1.0 and evaluation.without_support == ("b",)
    assert evaluation.false_alarm == 1.0 and evaluation.n_none == 1


def test_shipped_labels_hold_real_rows_by_reference_only(pool, shipped_labels):
    from conftest import LABELS

    label_set = shipped_labels
    real = [s for s in label_set.sentences if s.real]
    assert len(real) >= 2500
    assert {s.sample for s in real} >= {"whole", "uncertain", "targeted"}
    for path in (LABELS / "real").glob("*.jsonl"):
        assert all("text" not in row for row in rows(path)), path
    assert len(load_articles(LABELS)) >= 150
