"""Shared fixtures: the project's own files, the seed articles, and tiny labels written in tmp_path.

The seed articles (../shared/seeds) and the labelled corpora (../shared/pool) sit beside the project,
not in it: a test that needs them asks for the ``seeds`` or ``pool`` fixture, and skips without them.
"""

from __future__ import annotations

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


def missing_corpora() -> str:
    """Why the shipped labels cannot be read whole, as `frames labels check` says it ('' when they can)."""
    from frames.labels.store import missing_corpora as missing

    return "; ".join(str(problem) for problem in missing(LABELS))


@pytest.fixture(scope="session")
def pool() -> None:
    """The labelled corpora the shipped labels point into; the test skips with the reason when one is missing."""
    reason = missing_corpora()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def retrained_default(pool, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped labels trained again, to compare with the shipped model."""
    from frames.training.fit import train

    out = tmp_path_factory.mktemp("retrained") / "default"
    train(LABELS, out)
    return out


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
