"""The model file and scoring: exact round trip, determinism, refusal of damaged folders, numpy == scikit-learn."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frames
from frames import Model, ModelError, load_model
from frames.training.evaluation import label_matrix
from frames.model.modelfile import MODEL_FILES
from frames.labels.agreement import settle
from frames.training.fit import FEATURE_SETS, fit_sklearn, sklearn_predict_proba, train

from conftest import DEFAULT_MODEL


def test_model_json_has_exactly_the_expected_fields(tiny_model):
    config = json.loads((tiny_model / "model.json").read_text("utf-8"))
    assert list(config) == ["kind", "format", "frames", "thresholds", "features", "calibration", "article_rule",
                            "evidence_words", "training"]
    assert config["kind"] == "frames-model"
    assert config["format"] == 4
    assert config["evidence_words"] in (0, 3, 5, 8)  # chosen by cross-validation among EVIDENCE_WORDS
    assert config["frames"] == [{"id": "meddling", "name": "Meddling"}, {"id": "trade", "name": "Trade ties"}]
    assert config["article_rule"] == {"kind": "count", "cuts": [1.0, 1.0]}  # no labelled articles: one sentence
    assert len(config["calibration"]) == 2 and all(len(pair) == 2 and pair[0] > 0 for pair in config["calibration"])
    assert len(config["thresholds"]) == 2 and all(0 <= t <= 1 for t in config["thresholds"])
    vocabulary = _vocabulary(tiny_model)
    for spec, terms in zip(config["features"], vocabulary):
        assert spec["size"] == len(terms) and spec["analyzer"] in {"word", "char_wb"}
        assert terms == sorted(terms)  # scikit-learn numbers terms in sorted order
    assert set(config["training"]) >= {"n_sentences", "label_counts", "data_sha256", "features", "C", "cv",
                                       "oof_macro_f1", "versions"}
    assert config["training"]["n_sentences"] == 25
    assert config["training"]["label_counts"] == {"meddling": 9, "trade": 9, "none": 8}


def test_round_trip_scores_the_same(tiny_model, tmp_path):
    model = load_model(tiny_model)
    from frames.model.modelfile import save_model_folder

    save_model_folder(model.data, tmp_path / "copy")
    again = load_model(tmp_path / "copy")
    sentences = ["Western foundations stir hatred.", "Trade grew.", "Nothing here."]
    assert np.array_equal(model.predict_proba(sentences), again.predict_proba(sentences))
    for name in MODEL_FILES:
        assert (tiny_model / name).read_bytes() == (tmp_path / "copy" / name).read_bytes()


def test_training_twice_gives_byte_identical_files(tiny_labels, tmp_path):
    train(tiny_labels, tmp_path / "a")
    train(tiny_labels, tmp_path / "b")
    for name in MODEL_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_retraining_overwrites_in_place_and_leaves_no_debris(tiny_labels, tmp_path):
    out = tmp_path / "models" / "mine"
    train(tiny_labels, out)
    train(tiny_labels, out, force=True)
    assert sorted(p.name for p in out.parent.iterdir()) == ["mine"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*MODEL_FILES, "metrics.json", "codebook.json"])


def _exported(texts: list[str], truth: np.ndarray, features_name: str, C: float):
    """A numpy Model and the scikit-learn fit it was exported from, uncalibrated."""
    from frames.model.features import FeatureSpec
    from frames.model.scoring import Model
    from frames.model.modelfile import ModelData
    from frames.training.fit import export_fit

    features = FEATURE_SETS[features_name]
    fitted = fit_sklearn(texts, truth, features, C)
    blocks, coef, intercept = export_fit(fitted)  # what fit_final exports, without fitting twice
    n = truth.shape[1]
    data = ModelData(frame_ids=tuple(f"f{j}" for j in range(n)), frame_names=tuple(f"F{j}" for j in range(n)),
                     thresholds=np.full(n, 0.5),
                     features=tuple(FeatureSpec(s.analyzer, s.ngram_min, s.ngram_max, len(v)) for s, (v, _) in zip(features, blocks)),
                     vocabularies=tuple(tuple(v) for v, _ in blocks), idfs=tuple(idf for _, idf in blocks),
                     coef=coef, intercept=intercept)
    return Model(data), fitted


@pytest.fixture(scope="session")  # session: the tests that wait for the background training run last
def labelled(shipped_labels) -> tuple[list[str], np.ndarray]:
    labels = shipped_labels
    sentences, _ = settle(labels.sentences)
    return [s.text for s in sentences], label_matrix(sentences, labels.codebook.ids)


@pytest.mark.slow
@pytest.mark.parametrize("features_name", list(FEATURE_SETS))
def test_numpy_scoring_matches_scikit_learn_for_every_feature_set(labelled, retrained_fit, features_name):
    """Every feature set training can choose scores the same in numpy, on every labelled sentence.

    The set training chose is checked on its final fit on the shipped labels, through the model folder
    it wrote (calibration and evidence length left out): conftest's retraining kept scikit-learn's
    probabilities. Any other set is fitted here.
    """
    from dataclasses import replace

    from frames.model.scoring import Model

    texts, truth = labelled
    if retrained_fit is not None and retrained_fit[0] == features_name:
        _, fitted_texts, expected, folder = retrained_fit
        assert fitted_texts == texts
        model = Model(replace(load_model(folder).data, calibration=None, evidence_words=0))
    else:
        model, fitted = _exported(texts, truth, features_name, 4.0)
        expected = sklearn_predict_proba(fitted, texts)
    np.testing.assert_allclose(model.predict_proba(texts), expected, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def small_exports(labelled):
    texts, truth = labelled
    return {name: _exported(texts[::7], truth[::7], name, 2.0) for name in FEATURE_SETS}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_numpy_scoring_matches_scikit_learn_on_any_text(small_exports, text):
    for model, fitted in small_exports.values():
        np.testing.assert_allclose(model.predict_proba([text]), sklearn_predict_proba(fitted, [text]), rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def shipped_blocks():
    """The shipped model's data, and its char_wb block with its vocabulary as a dict (the plain way)."""
    from frames.model.scoring import read_model

    data = read_model(DEFAULT_MODEL)
    chars = next(b for b in Model(data).featurizer.blocks if b.spec.analyzer == "char_wb")
    chars.build_keys()
    assert chars.char_keys is not None
    return data, chars, dict(zip(chars.vocabulary, range(len(chars.vocabulary))))


@settings(max_examples=80, deadline=None)
@given(pieces=st.lists(st.text(min_size=1, max_size=12).filter(lambda p: p.split() == [p]), max_size=20))
def test_char_keys_find_what_the_plain_analyzer_finds(shipped_blocks, pieces):
    """Each piece's char_wb n-grams found by the numpy keys are those the Python analyzer finds, surrogates and all."""
    from frames.model.features import char_wb_ngrams

    _, chars, index = shipped_blocks
    values, lengths = chars.char_keys.columns(pieces)
    assert len(lengths) == len(pieces) and lengths.sum() == len(values)
    starts = np.cumsum(lengths) - lengths
    for piece, start, n in zip(pieces, starts, lengths):
        expected = sorted(c for c in map(index.get, char_wb_ngrams(piece, 3, 5)) if c is not None)
        assert sorted(values[start:start + n].tolist()) == expected


@pytest.fixture(scope="module")
def small_and_keyed(shipped_blocks):
    """The shipped model twice: one that always looks word n-grams up term by term (as a cold classify
    does), one that builds its keys at once (as bulk scoring does)."""
    data = shipped_blocks[0]
    small, keyed = Model(data), Model(data)
    small.featurizer.KEYED_AFTER, keyed.featurizer.KEYED_AFTER = 10**12, -1
    return small, keyed


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(max_size=120), min_size=1, max_size=6))
def test_small_inputs_score_as_the_keyed_path_does(small_and_keyed, texts):
    """Both ways of finding word n-grams give the same logits, bit for bit."""
    small, keyed = small_and_keyed
    np.testing.assert_array_equal(small.decision_function(texts), keyed.decision_function(texts))
    assert not all(small.featurizer._pieces.filled) and all(keyed.featurizer._pieces.filled)


def test_calibration_is_applied_to_the_logit(tiny_model):
    model = load_model(tiny_model)
    sentences = ["Western NGOs stir discord.", "Joint factories grow trade."]
    a, b = model.data.calibration[:, 0], model.data.calibration[:, 1]
    expected = 1 / (1 + np.exp(-(model.decision_function(sentences) * a + b)))
    np.testing.assert_allclose(model.predict_proba(sentences), expected, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_shipped_model_is_what_training_builds(retrained_default):
    """models/default is the product of `frames train` on labels/ (library versions aside)."""
    assert (DEFAULT_MODEL / "vocabulary.npz").read_bytes() == (retrained_default / "vocabulary.npz").read_bytes()
    shipped = json.loads((DEFAULT_MODEL / "model.json").read_text("utf-8"))
    rebuilt = json.loads((retrained_default / "model.json").read_text("utf-8"))
    shipped["training"].pop("versions"), rebuilt["training"].pop("versions")
    np.testing.assert_allclose(shipped.pop("thresholds"), rebuilt.pop("thresholds"), rtol=0, atol=1e-9)
    assert shipped["training"].pop("oof_macro_f1") == pytest.approx(rebuilt["training"].pop("oof_macro_f1"), abs=1e-9)
    assert shipped == rebuilt
    with np.load(DEFAULT_MODEL / "weights.npz") as a, np.load(retrained_default / "weights.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:
            np.testing.assert_allclose(a[name], b[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_shipped_model_is_small():
    assert sum(p.stat().st_size for p in DEFAULT_MODEL.iterdir()) < 5 * 2**20


def test_default_model_and_environment_variable(tiny_model, monkeypatch):
    monkeypatch.delenv("FRAMES_MODEL", raising=False)
    assert load_model().frames == ("foreign_interference", "sanctions_resilience", "historical_unity",
                                   "economic_integration")
    monkeypatch.setenv("FRAMES_MODEL", str(tiny_model))
    assert load_model().frames == ("meddling", "trade")


def test_predict_and_classify(tiny_model):
    model = load_model(tiny_model)
    probabilities = model.predict_proba(["Western NGOs stir discord.", "Joint factories grow trade."])
    assert probabilities.shape == (2, 2) and ((probabilities >= 0) & (probabilities <= 1)).all()
    assert model.predict_proba([]).shape == (0, 2)
    predicted = model.predict(["Western NGOs stir discord.", "Joint factories grow trade."])
    assert all(set(p) <= set(model.frames) for p in predicted)
    result = model.classify("Western NGOs stir discord. The match was a draw.", top=1)
    assert [f.id for f in result.frames] == ["meddling", "trade"]
    for j, profile in enumerate(result.frames):
        column = [s.scores[j] for s in result.sentences]
        assert profile.score == max(column)
        assert profile.present == (profile.score >= profile.threshold)
        assert profile.share == sum(c >= profile.threshold for c in column) / len(column)
        assert len(profile.evidence) <= 1
    with pytest.raises(frames.ArticleError, match="no sentences"):
        model.classify("1 2 3 ... 4", name="junk.txt")


def _pickled_npz(folder: Path) -> bytes:
    """The model's own weights with coef replaced by a pickled object array: only allow_pickle=False stops it."""
    with np.load(folder / "weights.npz") as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["coef"] = np.array([{"evil": 1}], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _vocabulary(folder: Path) -> list[list[str]]:
    """The terms of each block in a model folder's vocabulary.npz."""
    with np.load(folder / "vocabulary.npz") as archive:
        return [archive[f"terms_{i}"].tobytes().decode("utf-8").split("\n") for i in range(len(archive.files))]


def _edit_vocabulary(folder: Path, change) -> None:
    vocabulary = _vocabulary(folder)
    change(vocabulary)
    np.savez(folder / "vocabulary.npz", **{f"terms_{i}": np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
                                           for i, terms in enumerate(vocabulary)})


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


DAMAGE = {
    "missing weights": (lambda m: (m / "weights.npz").unlink(), "missing weights.npz"),
    "truncated json": (lambda m: (m / "model.json").write_text('{"format": 1, "fra'), "damaged, not readable JSON"),
    "newer format": (lambda m: _edit_json(m / "model.json", lambda d: d.update(format=99)), "newer than this frames"),
    "unknown analyzer": (lambda m: _edit_json(m / "model.json", lambda d: d["features"][0].update(analyzer="bert")),
                         "not one this frames can compute"),
    "threshold out of range": (lambda m: _edit_json(m / "model.json", lambda d: d["thresholds"].__setitem__(0, 7)),
                               "thresholds"),
    "short vocabulary": (lambda m: _edit_vocabulary(m, lambda d: d[0].pop()), "shape"),
    "missing vocabulary": (lambda m: (m / "vocabulary.npz").unlink(), "missing vocabulary.npz"),
    "vocabulary not a zip": (lambda m: (m / "vocabulary.npz").write_bytes(b"garbage"), "vocabulary.npz: damaged"),
    "vocabulary not text": (lambda m: np.savez(m / "vocabulary.npz", terms_0=np.zeros(3), terms_1=np.zeros(3)),
                            "terms_0 must be a 1-d uint8 array"),
    "vocabulary not utf-8": (lambda m: np.savez(m / "vocabulary.npz", terms_0=np.frombuffer(b"ab\xff", dtype=np.uint8),
                                                terms_1=np.frombuffer(b"abc", dtype=np.uint8)), "not UTF-8"),
    "vocabulary block missing": (lambda m: _edit_vocabulary(m, lambda d: d.pop()), "expected \\['terms_0', 'terms_1'\\]"),
    "pickled array": (lambda m: (m / "weights.npz").write_bytes(_pickled_npz(m)), "allow_pickle=False"),
    "duplicate frame id": (lambda m: _edit_json(m / "model.json", lambda d: d["frames"][1].update(id=d["frames"][0]["id"])),
                           "appears twice"),
    "duplicate term": (lambda m: _edit_vocabulary(m, lambda d: d[0].__setitem__(1, d[0][0])),
                       "lists a term twice"),
    "unknown article rule": (lambda m: _edit_json(m / "model.json", lambda d: d["article_rule"].update(kind="vote")),
                             "article_rule"),
    "calibration not finite": (lambda m: _edit_json(m / "model.json", lambda d: d["calibration"][0].__setitem__(0, "x")),
                               "calibration"),
    "not a zip": (lambda m: (m / "weights.npz").write_bytes(b"garbage"), "damaged weights file"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_model_folders_are_refused_before_use(model_copy, damage):
    harm, message = DAMAGE[damage]
    harm(model_copy)
    with pytest.raises(ModelError, match=message):
        load_model(model_copy)


def test_pickled_vocabulary_is_refused(model_copy):
    np.savez(model_copy / "vocabulary.npz", terms_0=np.array([{"evil": 1}], dtype=object), terms_1=np.zeros(1, np.uint8))
    with pytest.raises(ModelError, match="vocabulary.npz: damaged vocabulary file.*allow_pickle=False"):
        load_model(model_copy)


def _as_format_3(folder: Path) -> None:
    """Rewrite a model folder as frames wrote format 3: the vocabulary as a JSON list of term lists."""
    (folder / "vocabulary.json").write_text(json.dumps(_vocabulary(folder)), encoding="utf-8")
    (folder / "vocabulary.npz").unlink()
    _edit_json(folder / "model.json", lambda d: d.update(format=3))


def test_format_3_folders_are_still_read_and_score_the_same(model_copy, tmp_path):
    sentences = ["Western NGOs stir discord in Kazakhstan.", "Trade grew by 5% with China.", "NATO"]
    expected = load_model(model_copy).predict_proba(sentences)
    _as_format_3(model_copy)
    assert np.array_equal(load_model(model_copy).predict_proba(sentences), expected)
    from frames.model.modelfile import save_model_folder

    save_model_folder(load_model(model_copy).data, tmp_path / "again")  # re-saving converts it, byte for byte
    for name in MODEL_FILES:
        assert (tmp_path / "again" / name).read_bytes() == (DEFAULT_MODEL / name).read_bytes(), name


@pytest.mark.parametrize("harm, message", [
    (lambda m: (m / "vocabulary.json").unlink(), "missing vocabulary.json"),
    (lambda m: _edit_json(m / "vocabulary.json", lambda d: d[0].__setitem__(1, d[0][0])),
     "vocabulary.json: feature block 0 lists a term twice"),
    (lambda m: _edit_json(m / "vocabulary.json", lambda d: d.pop()), "vocabulary.json: expected one list of terms"),
])
def test_damaged_format_3_vocabulary_is_refused(model_copy, harm, message):
    _as_format_3(model_copy)
    harm(model_copy)
    with pytest.raises(ModelError, match=message):
        load_model(model_copy)


def test_nan_weights_are_refused(model_copy):
    with np.load(model_copy / "weights.npz") as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["intercept"][0] = np.nan
    np.savez(model_copy / "weights.npz", **arrays)
    with pytest.raises(ModelError, match="finite float64"):
        load_model(model_copy)


def test_missing_folder(tmp_path):
    with pytest.raises(ModelError, match="nothing: no such folder"):
        load_model(tmp_path / "nothing")


def test_scoring_never_imports_scikit_learn():
    import subprocess
    import sys

    code = ("import sys, frames; m = frames.load_model(); m.classify('Western NGOs stir discord. Trade grew.'); "
            "print('sklearn' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_weights_archive_is_plain_npy_members():
    with zipfile.ZipFile(DEFAULT_MODEL / "weights.npz") as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(DEFAULT_MODEL / "weights.npz", allow_pickle=False) as archive:
        assert all(archive[name].dtype == np.float64 for name in archive.files)
