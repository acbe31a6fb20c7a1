"""Exact explanations: the parts sum to the logit, each part is tf-idf x coefficient, and `frames explain`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from frames import FramesError, load_model
from frames.cli import app
from frames.model.explain import VISIBLE_SPACE, article_sentence, explain, explain_sentences, frame_weights
from frames.text.sentences import split_sentences

from conftest import DEFAULT_MODEL

runner = CliRunner()
SENTENCE = "Officials in Moscow accused Western capitals of trying to set Astana against its closest ally."


def run(*args: str, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def model():
    return load_model(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def texts(shipped_labels) -> list[str]:
    return [s.text for s in shipped_labels.sentences]


def sklearn_tfidf(model, texts: list[str]):
    """Each feature block's tf-idf matrix computed by scikit-learn itself, with the model's vocabulary and idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrices = []
    for spec, vocabulary, idf in zip(model.data.features, model.data.vocabularies, model.data.idfs):
        vectorizer = TfidfVectorizer(analyzer=spec.analyzer, ngram_range=(spec.ngram_min, spec.ngram_max),
                                     lowercase=True, sublinear_tf=True, norm="l2", dtype=np.float64,
                                     vocabulary={term: i for i, term in enumerate(vocabulary)})
        vectorizer.fit(["x"])
        vectorizer.idf_ = idf
        matrices.append(vectorizer.transform(texts).tocsr())
    return matrices


def sklearn_term_counts(model, texts: list[str]) -> list[int]:
    """How many distinct n-grams of the model's vocabulary each text holds, found by scikit-learn's
    analyzers: the entries of its tf-idf rows, without building the matrices."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    counts = [0] * len(texts)
    for spec, vocabulary in zip(model.data.features, model.data.vocabularies):
        analyze = TfidfVectorizer(analyzer=spec.analyzer, ngram_range=(spec.ngram_min, spec.ngram_max),
                                  lowercase=True).build_analyzer()
        known = frozenset(vocabulary)
        counts = [n + len(known.intersection(analyze(text))) for n, text in zip(counts, texts)]
    return counts


@pytest.mark.slow
def test_parts_sum_to_the_logit_on_every_labelled_sentence(model, texts):
    """intercept + listed n-grams + the rest is the scoring path's logit, and every n-gram present is counted once."""
    explained = explain_sentences(model, texts, top=3)
    logits = model.decision_function(texts)
    probabilities = model.predict_proba(texts)
    n_terms = sklearn_term_counts(model, texts)
    assert len(explained) == len(texts) > 1000
    worst = 0.0
    for i, (text, x) in enumerate(zip(texts, explained)):
        assert x.text == text and [f.id for f in x.frames] == list(model.frames)
        for j, f in enumerate(x.frames):
            assert f.logit == logits[i, j] and f.probability == probabilities[i, j]
            assert f.threshold == model.thresholds[j] and f.present == (probabilities[i, j] >= model.thresholds[j])
            assert f.intercept == model.data.intercept[j]
            assert len(f.towards) + len(f.away) + f.n_rest == n_terms[i]
            assert len(f.towards) <= 3 and len(f.away) <= 3
            worst = max(worst, abs(f.parts_sum - f.logit),
                        abs(f.intercept + sum(v for _, v in f.by_analyzer) - f.logit))
    assert worst < 1e-9


def test_each_part_is_the_scikit_learn_tfidf_times_the_coefficient(model, texts):
    """With top=None every n-gram is listed: its tf-idf is scikit-learn's, and the parts alone sum to the logit."""
    sample = texts[:: max(1, len(texts) // 300)]
    explained = explain_sentences(model, sample, top=None)
    matrices = sklearn_tfidf(model, sample)
    offsets = np.cumsum([0] + [spec.size for spec in model.data.features]).tolist()
    columns = [{term: c for c, term in enumerate(v)} for v in model.data.vocabularies]
    analyzers = [spec.analyzer for spec in model.data.features]
    coef = model.data.coef.tolist()
    scales = model.evidence_scale(sample).tolist()  # short sentences keep a share of their evidence
    assert min(scales) < 1.0  # the sample has sentences under the model's evidence_words
    for i, x in enumerate(explained):
        rows = [dict(zip(m[i].indices.tolist(), m[i].data.tolist())) for m in matrices]
        for j, f in enumerate(x.frames):
            assert f.rest == 0.0 and f.n_rest == 0
            assert abs(f.intercept + sum(c.value for c in f.towards + f.away) - f.logit) < 1e-9
            assert all(c.value > 0 for c in f.towards) and all(c.value < 0 for c in f.away)
            seen = set()
            for c in f.towards + f.away:
                b = analyzers.index(c.analyzer)
                col = columns[b][c.raw]
                seen.add((b, col))
                assert abs(c.tfidf - rows[b][col]) < 1e-12
                assert c.coefficient == coef[j][offsets[b] + col]
                assert abs(c.value - c.tfidf * c.coefficient * scales[i]) <= 1e-15 + 1e-12 * abs(c.value)
            # Zero coefficients aside, every non-zero feature scikit-learn finds is listed, and nothing else.
            expected = {(b, col) for b, row in enumerate(rows) for col in row if coef[j][offsets[b] + col] != 0}
            assert seen == expected


def test_ngrams_are_shown_as_read_and_name_their_analyzer(model):
    x = explain(model, "Trade grew.", frame=model.frames[0], top=None)
    (f,) = x.frames
    parts = f.towards + f.away
    assert {c.analyzer for c in parts} == {"word", "char_wb"}
    assert any(c.raw == "trade" and c.term == "trade" and c.analyzer == "word" for c in parts)
    chars = [c for c in parts if c.analyzer == "char_wb"]
    assert any(c.raw == " tr" and c.term == f"{VISIBLE_SPACE}tr" for c in chars)
    assert all(c.term == c.raw.replace(" ", VISIBLE_SPACE) and " " not in c.term for c in chars)


def test_top_lists_the_strongest_each_way_and_sums_the_rest(model):
    full = explain(model, SENTENCE, top=None)
    short = explain(model, SENTENCE, top=2)
    for a, b in zip(full.frames, short.frames):
        assert b.towards == a.towards[:2] and b.away == a.away[:2]
        assert [c.value for c in a.towards] == sorted((c.value for c in a.towards), reverse=True)
        assert [c.value for c in a.away] == sorted(c.value for c in a.away)
        assert b.n_rest == len(a.towards) + len(a.away) - len(b.towards) - len(b.away)
        assert b.rest == pytest.approx(sum(c.value for c in a.towards[2:] + a.away[2:]), abs=1e-12)
    with pytest.raises(FramesError, match="top must be 0 or more"):
        explain(model, SENTENCE, top=-1)


def test_frame_filter_and_unknown_frame(model):
    x = explain(model, SENTENCE, frame="historical_unity")
    assert [f.id for f in x.frames] == ["historical_unity"]
    with pytest.raises(FramesError, match="unknown frame 'nope'; this model has foreign_interference"):
        explain(model, SENTENCE, frame="nope")


def test_probability_is_the_models_own_so_calibration_cannot_make_it_wrong(model):
    """A model that maps logits to probabilities its own way (calibration) is reported as it scores."""
    calibrated = load_model(DEFAULT_MODEL)
    calibrated.predict_proba = lambda sentences: np.full((len(sentences), len(calibrated.frames)), 0.999)
    x = explain(calibrated, SENTENCE)
    plain = explain(model, SENTENCE)
    assert all(f.probability == 0.999 and f.present for f in x.frames)
    assert [f.logit for f in x.frames] == [f.logit for f in plain.frames]


def test_global_weights_are_the_frames_largest_coefficients(model):
    weights = frame_weights(model, "economic_integration", top=15)
    row = model.data.coef[model.frames.index("economic_integration")]
    assert [w.coefficient for w in weights.positive] == sorted(row, reverse=True)[:15]
    assert [w.coefficient for w in weights.negative] == sorted(row)[:15]
    vocabulary = [(spec.analyzer, term) for spec, v in zip(model.data.features, model.data.vocabularies) for term in v]
    for w in weights.positive + weights.negative:
        assert row[vocabulary.index((w.analyzer, w.raw))] == w.coefficient
    with pytest.raises(FramesError, match="unknown frame"):
        frame_weights(model, "weather")


def test_article_sentence_is_numbered_as_classify_numbers_it(article):
    text = article.read_text("utf-8")
    assert article_sentence(text, 2).text == split_sentences(text)[2].text
    with pytest.raises(FramesError, match="has 4 sentences, numbered 0 to 3"):
        article_sentence(text, 4, "a.txt")


def test_cli_explain_prints_each_frame_with_threshold_and_ngrams():
    result = run("explain", SENTENCE, "--top", "3")
    assert result.exit_code == 0, result.output
    assert "Foreign interference (foreign_interference): probability" in result.stdout
    assert result.stdout.count("threshold") == 4 and "logit" in result.stdout and "(intercept)" in result.stdout
    for heading in ("n-gram", "analyzer", "tf-idf", "coefficient", "part", "towards", "away", "other n-grams"):
        assert heading in result.stdout
    assert "accused" in result.stdout


def test_cli_explain_json_adds_up():
    result = run("explain", SENTENCE, "--json", "--frame", "foreign_interference", "--top", "4")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["text"] == SENTENCE and out["sentence"] is None and len(out["frames"]) == 1
    f = out["frames"][0]
    assert set(f) == {"id", "name", "probability", "threshold", "present", "logit", "intercept", "towards", "away",
                      "rest", "by_analyzer"}
    parts = f["intercept"] + sum(c["contribution"] for c in f["towards"] + f["away"]) + f["rest"]["contribution"]
    assert abs(parts - f["logit"]) < 1e-9 and len(f["towards"]) == 4
    assert set(f["towards"][0]) == {"term", "raw", "analyzer", "count", "tfidf", "coefficient", "contribution"}


def test_cli_explain_an_article_sentence(article):
    result = run("explain", article, "--sentence", "1", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["sentence"] == 1 and out["text"].startswith("Officials in Moscow accused Western capitals")
    piped = run("explain", "-", "--sentence", "1", "--json", input=article.read_text("utf-8"))
    assert json.loads(piped.stdout) == out


@pytest.mark.parametrize(("args", "code", "message"), [
    (["{article}", "--sentence", "9"], 1, "has 4 sentences, numbered 0 to 3"),
    (["{article}"], 1, "is a file: add --sentence N"),
    ([SENTENCE, "--frame", "nope"], 1, "unknown frame 'nope'"),
    (["--global"], 2, "needs --frame ID"),
    ([SENTENCE, "--global", "--frame", "historical_unity"], 2, "describes the model, not a sentence"),
    ([], 2, "give a sentence"),
    (["-"], 2, "add --sentence N"),
], ids=["sentence-out-of-range", "file-without-sentence", "unknown-frame", "global-without-frame",
        "global-with-sentence", "nothing", "stdin-without-sentence"])
def test_cli_explain_errors(article, args, code, message):
    result = run("explain", *[a.replace("{article}", str(article)) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.stderr and result.stdout == ""


def test_cli_explain_global(model):
    result = run("explain", "--frame", "historical_unity", "--global", "--top", "5")
    assert result.exit_code == 0, result.output
    weights = frame_weights(model, "historical_unity", top=5)
    assert "Historical unity (historical_unity): intercept" in result.stdout
    assert all(w.term in result.stdout for w in weights.positive + weights.negative)
    out = json.loads(run("explain", "--frame", "historical_unity", "--global", "--top", "5", "--json").stdout)
    assert [w["coefficient"] for w in out["positive"]] == [w.coefficient for w in weights.positive]
