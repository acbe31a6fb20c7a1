"""The Python API: a lazy package, a light import graph, clear TypeErrors, and a model safe to share between threads."""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
import threading

import numpy as np
import pytest

import frames
from frames import load_model

from conftest import DEFAULT_MODEL, ROOT, SEEDS


def _modules_after(code: str) -> set[str]:
    """The modules a fresh Python has imported after running ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_frames_loads_nothing_heavy():
    loaded = _modules_after("import frames")
    assert not loaded & {"numpy", "blingfire", "frames.model.scoring", "frames.batch.run", "frames.labels.store", "typer"}


# What `frames` exported when it imported everything eagerly: all of it must stay.
BEFORE_LAZY = {
    "Article", "ArticleError", "ArticleResult", "BatchOptions", "BatchSummary", "Codebook", "Evaluation", "Frame",
    "FrameProfile", "FrameScore", "FramesError", "LabelSet", "LabelledSentence", "LabelsError", "Model", "ModelError",
    "Problem", "ScoredSentence", "Sentence", "check_labels", "decode_article", "default_model_path", "evaluate_file",
    "load_codebook", "load_labels", "load_model", "read_article", "run_batch", "split_sentences", "train",
}


def test_every_public_name_resolves_and_all_is_complete():
    assert set(frames.__all__) == BEFORE_LAZY == set(frames._EXPORTS) | {"train"}
    assert set(frames.__all__) <= set(dir(frames))
    for name in frames.__all__:
        assert getattr(frames, name) is not None, name
    done = subprocess.run([sys.executable, "-c", "from frames import *; print(len(dir()))"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert frames.load_model is frames.model.scoring.load_model and frames.Model is frames.model.scoring.Model
    assert frames.default_model_path is frames.model.default_model.default_model_path
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        frames.nosuch  # noqa: B018


def test_modules_named_in_the_readme_load_on_first_use():
    loaded = _modules_after("import frames\nframes.agreement.cohen_kappa; frames.versions.list_models")
    assert {"frames.labels.agreement", "frames.model.versions"} <= loaded


def test_interchange_does_not_import_the_scoring_stack():
    loaded = _modules_after("import frames.labels.interchange")
    assert not loaded & {"numpy", "blingfire", "frames.text.sentences", "frames.training.labelling", "frames.model.scoring",
                         "frames.model.features", "sklearn"}


def test_training_module_does_not_import_the_scoring_model():
    loaded = _modules_after("import frames.training.fit")
    assert "frames.model.scoring" not in loaded and "frames.model.default_model" in loaded


def test_frames_classify_imports_no_training_library():
    """A real `frames classify`: scikit-learn, scipy, joblib, dask and pydantic stay out of the process.

    This is what the typer pin used to guard (typer 0.29 can bring pydantic): the test guards it instead.
    """
    article = sorted(SEEDS.glob("*.txt"))[0] if SEEDS.is_dir() else None
    code = ("import sys\nfrom frames.cli import main\n"
            f"sys.argv = ['frames', 'classify', {str(article) if article else '-'!r}, '--json']\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
            "import json\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          input="Trade between Russia and Kazakhstan grew. Western NGOs stir discord.")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["frames"]  # it did classify
    loaded = {name.split(".")[0] for name in json.loads(done.stderr.splitlines()[-1])}
    assert not loaded & {"sklearn", "scipy", "joblib", "dask", "distributed", "pydantic", "pydantic_core"}


@pytest.mark.parametrize(("value", "message"), [
    (None, "classify expects the article's text as a str, got NoneType"),
    (b"Trade grew.", "bytes given, str expected; decode first or use read_article"),
    (bytearray(b"Trade grew."), "bytes given, str expected"),
    (["Trade grew."], "got list"),
])
def test_classify_refuses_what_is_not_text(value, message):
    with pytest.raises(TypeError, match=message):
        load_model().classify(value)


@pytest.mark.parametrize(("value", "message"), [
    ("Trade grew.", "got a single string; wrap it: \\[sentence\\]"),
    (b"Trade grew.", "got a single string"),
    ([None], "sentence 0 is NoneType, expected str"),
    (["Trade grew.", 42], "sentence 1 is int, expected str"),
])
def test_predict_proba_refuses_what_is_not_a_list_of_sentences(value, message):
    model = load_model()
    for method in (model.predict_proba, model.predict, model.decision_function):
        with pytest.raises(TypeError, match=message):
            method(value)


def test_a_model_scores_the_same_from_eight_threads_at_once():
    """The piece cache is shared state: with resets forced often, threads must not corrupt it."""
    words = [f"w{i}" for i in range(2000)] + "trade sanctions western meddling kazakhstan history".split()
    rng = random.Random(0)
    batches = [[" ".join(rng.choice(words) for _ in range(12)) + "." for _ in range(20)] for _ in range(48)]
    alone = load_model(DEFAULT_MODEL)
    expected = [alone.predict_proba(b) for b in batches]
    shared = load_model(DEFAULT_MODEL)
    shared.featurizer.CACHE_LIMIT = 300  # the cache is reset every few batches
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(k, len(batches), 8):
                results[i] = shared.predict_proba(batches[i])
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so that races show
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[:3]
    assert [i for i in range(len(batches)) if not np.array_equal(results[i], expected[i])] == []


def test_a_model_pickles_without_its_cache_and_lock():
    model = load_model(DEFAULT_MODEL)
    sentences = ["Trade grew.", "Western NGOs stir discord."]
    before = model.predict_proba(sentences)
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.predict_proba(sentences), before)
