"""Shared fixtures: the project's own files, the seed articles, and tiny labels written in tmp_path.

The seed articles (../shared/seeds) and the labelled corpora (../shared/pool) sit beside the project,
not in it: a test that needs them asks for the ``seeds`` or ``pool`` fixture, and skips without them.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "labels"
DEFAULT_MODEL = ROOT / "models" / "default"
SEEDS = ROOT.parent / "shared" / "seeds"
README = ROOT / "README.md"

# A small hand-written labels set: enough for training to run in a second or two.
TINY = {
    "alpha": [
        ("Western foundations are said to fund bloggers who stir hatred between the two peoples.", ["meddling"]),
        ("Officials accused Washington of trying to pull Astana away from Moscow.", ["meddling"]),
        ("Foreign-funded media were blamed for the wave of nationalist posts.", ["meddling"]),
        ("The ministry said outside forces were staging provocations on the border.", ["meddling"]),
        ("Trade between the neighbours grew by a fifth despite the restrictions.", ["trade"]),
        ("A joint plant in Kostanay will assemble tractors for both markets.", ["trade"]),
        ("The meeting will take place on Thursday.", []),
        ("Rain is expected in the capital over the weekend.", []),
        ("The court adjourned the case until March.", []),
    ],
    "beta": [
        ("Diplomats warned that third countries want to drive a wedge between the allies.", ["meddling"]),
        ("NGOs paid from abroad are sowing discord, the deputy claimed.", ["meddling"]),
        ("Sanctions are a tool to harass anyone who stays friends with Russia, he said.", ["meddling"]),
        ("The common market lets firms on both sides sell without customs checks.", ["trade"]),
        ("Investment from Russian companies in Kazakh factories reached a record.", ["trade"]),
        ("A new rail corridor will carry freight between the two countries.", ["trade"]),
        ("Bilateral trade rose again as payments moved to national currencies.", ["trade"]),
        ("The football match ended in a draw.", []),
        ("Photo: the delegation at the airport.", []),
    ],
    "gamma": [
        ("Western envoys pressed Astana to distance itself from its ally, the report said.", ["meddling"]),
        ("Joint energy projects bind the two economies ever closer.", ["trade"]),
        ("The Eurasian Economic Union has doubled trade among its members.", ["trade"]),
        ("Outside forces want to break up the common market the neighbours built together.", ["meddling", "trade"]),
        ("Prices for bread rose by three percent in October.", []),
        ("The festival opens on Friday with a concert in the park.", []),
        ("A new school was opened in the northern district.", []),
    ],
}


def write_tiny_labels(folder: Path) -> Path:
    """A labels folder with a two-frame codebook and three source files."""
    folder.mkdir(parents=True, exist_ok=True)
    codebook = {"format": "frames-codebook/1", "frames": [
        {"id": "meddling", "name": "Meddling", "definition": "Outside powers are said to meddle.", "excludes": ""},
        {"id": "trade", "name": "Trade ties", "definition": "Economic ties are deep and mutual.", "excludes": ""},
    ]}
    (folder / "codebook.json").write_text(json.dumps(codebook), encoding="utf-8")
    for source, rows in TINY.items():
        lines = [json.dumps({"text": t, "frames": f, "source": source}) for t, f in rows]
        (folder / f"{source}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def tiny_labels(tmp_path: Path) -> Path:
    return write_tiny_labels(tmp_path / "labels")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once on the tiny labels."""
    from frames.training.fit import train

    base = tmp_path_factory.mktemp("tiny")
    out = base / "model"
    train(write_tiny_labels(base / "labels"), out)
    return out


def pytest_configure(config: pytest.Config) -> None:
    """Build the command line's click command once per session instead of on every CliRunner.invoke.

    typer.testing turns the Typer app into a click command on each call (about 25 ms, some 700
    calls); the app is complete once imported and never changed, so every invocation gets the same
    command either way.
    """
    import typer.testing

    build = getattr(typer.testing, "_get_command", None)  # a private name: another Typer may lack it
    if build is not None and not hasattr(build, "cache_info"):
        typer.testing._get_command = functools.lru_cache(maxsize=None)(build)
    _load_each_model_once()
    _let_ctrl_c_through()


def _let_ctrl_c_through() -> None:
    """Let the Ctrl-C tests' processes see SIGINT when pytest itself was started ignoring it.

    A shell starts a background job (`pytest &`) with SIGINT ignored, and every process it starts
    inherits that: the real Ctrl-C those tests send would do nothing. A handler set here is reset
    to the default in each new program, as a terminal's processes have it.
    """
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _load_each_model_once() -> None:
    """Read each model folder once per session: the command line loads its model on every invocation
    (about 25 ms, some 350 times a run). Every call still gets a Model object of its own, and a folder
    whose files changed since (a test that damages or retrains one) is read again, so every error and
    every new model is still found by the real loader."""
    from frames.model import scoring

    load = scoring.load_model
    loaded: dict[tuple, object] = {}

    @functools.wraps(load)
    def load_model(path=None):
        folder = Path(path) if path is not None else scoring.default_model_path()
        try:
            files = tuple((p.name, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
                          for p in sorted(folder.iterdir()) for s in [p.stat()])
        except OSError:
            return load(path)
        key = (path is None, str(folder), files)
        if key not in loaded:
            loaded[key] = load(path)
        model = copy.copy(loaded[key])
        # Its own cache of the pieces met, as a fresh load has: the fitted blocks are shared, read-only.
        model._featurizer = copy.copy(model._featurizer)
        return model

    scoring.load_model = load_model


def missing_corpora() -> str:
    """Why the shipped labels cannot be read whole, as `frames labels check` says it ('' when they can)."""
    from frames.labels.store import missing_corpora as missing

    return "; ".join(str(problem) for problem in missing(LABELS))


@pytest.fixture(scope="session")
def shipped_labels():
    """labels/ read once for the session (about a second each time): a LabelSet is immutable."""
    from frames.labels.store import load_labels

    return load_labels(LABELS)


@pytest.fixture(scope="session")
def pool() -> None:
    """The labelled corpora the shipped labels point into; the test skips with the reason when one is missing."""
    reason = missing_corpora()
    if reason:
        pytest.skip(reason)


# Training on the shipped labels takes about 35 s of CPU, most of the suite's on one test. It starts in
# a process of its own as soon as the tests are collected (when a chosen test needs it), so the rest
# of the suite runs meanwhile, and the tests that need it run last. The same process keeps what the
# numpy-vs-scikit-learn test needs of its final fit, so the labels are fitted once, not three times.
# Its folds run in that one process, on one core, leaving the other to the tests in the foreground;
# `frames train` ran them in two workers for the shipped model, so the model comparison also checks
# that both ways give the same bits.
RETRAIN = """
import json, os, sys
os.nice(10)  # the tests in the foreground come first
from pathlib import Path
import numpy as np
from frames.training import fit
labels, out = Path(sys.argv[1]), Path(sys.argv[2])
fit.PARALLEL_FROM = 10**9  # the folds in this process
fitted = []
fit_counted = fit.fit_counted
def keep(*args, **kwargs):
    fitted.append(fit_counted(*args, **kwargs))
    return fitted[-1]
fit.fit_counted = keep  # the folds fit their classifiers directly: only the final fit calls it
result = fit.train(labels, out / "default")
assert len(fitted) == 1, len(fitted)
from frames import load_labels
from frames.labels.agreement import settle
texts = [s.text for s in settle(load_labels(labels).sentences)[0]]
np.save(out / "sklearn_proba.npy", fit.sklearn_predict_proba(fitted[0], texts))
(out / "final_fit.json").write_text(json.dumps({"features": result.chosen.features, "texts": texts}), "utf-8")
"""
_retrain: dict = {}


def _needs_retrain(item: pytest.Item) -> bool:
    return "retrained_default" in getattr(item, "fixturenames", ()) or "retrained_fit" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that wait for the background training run last (the order is otherwise kept)."""
    items.sort(key=_needs_retrain)


def pytest_collection_finish(session: pytest.Session) -> None:
    import os
    import subprocess
    import sys
    import tempfile

    import frames

    if session.config.option.collectonly or not any(map(_needs_retrain, session.items)) or missing_corpora():
        return
    folder = Path(tempfile.mkdtemp(prefix="frames-retrain-"))
    code = f"import sys; sys.path.insert(0, {str(Path(frames.__file__).parent.parent)!r})\n" + RETRAIN
    log = open(folder / "log.txt", "wb")
    _retrain["folder"] = folder
    _retrain["process"] = subprocess.Popen([sys.executable, "-c", code, str(LABELS), str(folder)], stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ})
    log.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    import os
    import signal

    process = _retrain.pop("process", None)
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if "folder" in _retrain:
        shutil.rmtree(_retrain.pop("folder"), ignore_errors=True)


def _retrained() -> Path:
    """The folder the background training wrote, once it has finished; an error with its log if it failed."""
    process = _retrain.get("process")
    if process is None:
        pytest.fail("the background training was not started (see pytest_collection_finish)")
    process.wait(timeout=280)
    folder = _retrain["folder"]
    if process.returncode != 0:
        pytest.fail(f"training on the shipped labels failed:\n{(folder / 'log.txt').read_text('utf-8', 'replace')}")
    return folder


@pytest.fixture(scope="session")
def retrained_default(pool) -> Path:
    """The shipped labels trained again, to compare with the shipped model."""
    return _retrained() / "default"


@pytest.fixture(scope="session")
def retrained_fit() -> tuple[str, list[str], "object", Path] | None:
    """The final fit of that training: its feature set, every labelled sentence, scikit-learn's
    (uncalibrated) probabilities of them, and the model folder exported from it; None without the
    labelled corpora (the test then fits for itself)."""
    import numpy as np

    if missing_corpora():
        return None
    folder = _retrained()
    config = json.loads((folder / "final_fit.json").read_text("utf-8"))
    return config["features"], config["texts"], np.load(folder / "sklearn_proba.npy"), folder / "default"


@pytest.fixture
def seeds() -> list[Path]:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed articles are not beside the project ({SEEDS})")
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(
        "Moscow accuses the West of meddling\n\n"
        "Officials in Moscow accused Western capitals of trying to set Astana against its closest ally. "
        "Despite the restrictions, bilateral trade hit a record last year. "
        "The conference will take place in the capital on Thursday.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """A copy of the shipped model that a test may damage."""
    return Path(shutil.copytree(DEFAULT_MODEL, tmp_path / "model"))
