"""Precision: fragments cannot decide an article, bare keywords do not score like claims, the
behavioural minimal pairs run per capability, and training weighs both domains."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from frames.cli import app
from frames.model.profile import summarise
from frames.model.verdict import ArticleRule, decide, statistics
from frames.text.fragments import MIN_WORDS, is_fragment, word_count
from frames.training.fit import choose_evidence_words, domain_masks, shrink

runner = CliRunner()


@pytest.mark.parametrize("text", ["NATO", "Sanctions", "The West", "Read more on the war in Ukraine here.",
                                  "Photo: press service of the Akorda", "NATO summit opens in Vilnius"])
def test_headings_bylines_and_bare_keywords_are_fragments(text):
    assert is_fragment(text)


@pytest.mark.parametrize("text", ["Western sanctions have badly hurt Russia's economy.",
                                  'He said: "The West meddles in our affairs."',
                                  "Trade between the neighbours grew by a fifth last year."])
def test_sentences_are_not_fragments(text):
    assert not is_fragment(text)


@given(st.text(max_size=80))
def test_any_text_under_the_minimum_word_count_is_a_fragment(text):
    if word_count(text) < MIN_WORDS:
        assert is_fragment(text)


def test_a_fragment_alone_cannot_make_a_verdict_but_is_still_scored():
    probabilities = np.array([[0.99], [0.05], [0.02]])  # a heading scoring high, two sentences that do not
    counted = np.array([False, True, True])
    rule = ArticleRule("max", (0.5,))
    profile = summarise(probabilities, ("meddling",), ("Meddling",), np.array([0.5]), rule, 3, counted)[0]
    assert profile.present is False and profile.evidence == () and profile.score == pytest.approx(0.05)
    assert profile.reason.endswith("; 1 heading or fragment not counted")
    assert decide(rule, statistics(probabilities, np.array([0.5])))[0]  # without the mask it would decide


def test_a_present_verdict_always_points_to_the_sentence_that_made_it():
    probabilities = np.array([[0.30], [0.10]])  # the max rule's cut (0.25) is under the threshold (0.4)
    profile = summarise(probabilities, ("meddling",), ("Meddling",), np.array([0.4]), ArticleRule("max", (0.25,)))[0]
    assert profile.present is True and profile.evidence == (0,)


def test_two_or_strong_needs_two_sentences_over_threshold_or_one_strong():
    rule = ArticleRule("two_or_strong", (0.9,))
    thresholds = np.array([0.5])
    assert decide(rule, statistics(np.array([[0.6], [0.7], [0.1]]), thresholds))[0]
    assert not decide(rule, statistics(np.array([[0.6], [0.1], [0.1]]), thresholds))[0]
    assert decide(rule, statistics(np.array([[0.95], [0.1]]), thresholds))[0]


def test_shrink_keeps_long_sentences_and_pulls_short_ones_to_the_intercept():
    logits = np.array([[5.0], [5.0]])
    intercepts = np.array([[-2.0], [-2.0]])
    out = shrink(logits, intercepts, np.array([1.0, 20.0]), 5)
    assert out[1, 0] == 5.0 and out[0, 0] == pytest.approx(-2.0 + 7.0 / 5)
    assert (shrink(logits, intercepts, np.array([1.0, 20.0]), 0) == logits).all()


def test_evidence_words_is_chosen_by_the_objective():
    # short rows are all negatives with high raw logits: shrinking them is what ranks the positives first
    words = np.array([1.0, 1.0, 12.0, 12.0, 12.0, 12.0])
    truth = np.array([[0], [0], [1], [1], [0], [0]], dtype=bool)
    logits = np.array([[9.0], [9.0], [3.0], [2.0], [-1.0], [-2.0]])
    chosen, scores = choose_evidence_words(truth, logits, np.full(logits.shape, -1.0), words,
                                           domain_masks(np.array(["real"] * 6)))
    assert chosen > 0 and scores[chosen] > scores[0]


def test_domains_are_real_text_and_the_kazakhstan_press():
    masks = domain_masks(np.array(["real", "written", "seed", "real"]))
    assert masks["real"].tolist() == [True, False, False, True]
    assert masks["kazakh_press"].tolist() == [False, True, True, False]


def test_the_shipped_model_does_not_let_a_bare_keyword_decide():
    import frames

    model = frames.load_model()
    probabilities = model.predict_proba(["NATO", "Sanctions"])
    assert (probabilities < model.thresholds).all()


def write_behaviour(labels: Path) -> None:
    folder = labels / "behaviour"
    folder.mkdir()
    rows = [
        {"capability": "neutral-mention", "pair": "n-1", "focus": "meddling",
         "text": "Outside forces want to break up the common market and stir hatred.", "frames": ["meddling"]},
        {"capability": "neutral-mention", "pair": "n-1", "focus": "meddling",
         "text": "The festival opens on Friday with a concert in the park.", "frames": []},
    ]
    (folder / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_evaluate_behaviour_prints_the_pass_rate_per_capability(tiny_labels, tiny_model):
    write_behaviour(tiny_labels)
    result = runner.invoke(app, ["evaluate", "--behaviour", str(tiny_labels), "--model", str(tiny_model)])
    assert result.exit_code == 0, result.output
    assert "of 2 sentences pass" in result.stdout and "neutral-mention" in result.stdout
    data = json.loads(runner.invoke(app, ["evaluate", "--behaviour", str(tiny_labels), "--model", str(tiny_model),
                                          "--json"]).stdout)
    assert data["total"] == 2 and data["capabilities"][0]["capability"] == "neutral-mention"
    assert data["passed"] == sum(c["passed"] for c in data["capabilities"])


def test_behaviour_rows_are_never_training_rows(tiny_labels):
    from frames import check_labels, load_labels

    write_behaviour(tiny_labels)
    texts = {s.text for s in load_labels(tiny_labels).sentences}
    assert "Outside forces want to break up the common market and stir hatred." not in texts
    assert check_labels(tiny_labels) == []  # their extra fields are not label-row problems


def test_a_bad_behaviour_row_is_named_by_file_and_line(tiny_labels, tiny_model):
    write_behaviour(tiny_labels)
    with (tiny_labels / "behaviour" / "pairs.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"capability": "x", "pair": "x-1", "focus": "nothing", "text": "T.", "frames": []}) + "\n")
    result = runner.invoke(app, ["evaluate", "--behaviour", str(tiny_labels), "--model", str(tiny_model)])
    assert result.exit_code == 1 and "pairs.jsonl:3: unknown frame 'nothing'" in result.stderr


def test_train_prints_each_held_out_samples_support(tiny_labels, tmp_path):
    """The per-sample held-out lines say how many positives each frame had: 0.000 on 2 positives is not news."""
    gamma = tiny_labels / "gamma.jsonl"
    rows = [dict(json.loads(line), sample="random") for line in gamma.read_text("utf-8").splitlines()]
    gamma.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tiny_labels / "test-split.json").write_text(json.dumps({"format": "frames-test-split/1", "seed": 1, "share": 0.2,
                                                             "rule": "listed by hand", "documents": ["gamma"]}),
                                                 encoding="utf-8")
    result = runner.invoke(app, ["train", "--labels", str(tiny_labels), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "held-out random rows: macro-F1" in result.stdout
    assert "(7 sentences; positives: meddling 2, trade 3)" in result.stdout
