"""No writing command may destroy what it did not write, with or without --force."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frames.cli import app

from conftest import write_tiny_labels

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under path (or path itself) with its bytes."""
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def precious(kind: str, tmp_path: Path) -> Path:
    """Something a user keeps at the --out path: notes, a labels folder, or a plain file."""
    if kind == "notes folder":
        folder = tmp_path / "notes"
        folder.mkdir()
        (folder / "ideas.txt").write_text("do not lose me\n", encoding="utf-8")
        return folder
    if kind == "labels folder":
        return write_tiny_labels(tmp_path / "my-labels")
    path = tmp_path / "thesis.txt"
    path.write_text("chapter one\n", encoding="utf-8")
    return path


def command(name: str, out: Path, labels: Path, articles: Path) -> list:
    if name == "train":
        return ["train", "--labels", labels, "--out", out]
    if name == "batch":
        return ["batch", articles, "--out", out, "--format", "jsonl"]
    return ["labels", "export", "--to", "doccano", "--labels", labels, "--out", out]


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Trade between the neighbours grew by a fifth.", encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", ["train", "batch", "export"])
@pytest.mark.parametrize("kind", ["notes folder", "labels folder", "plain file"])
@pytest.mark.parametrize("force", [False, True])
def test_force_never_replaces_what_the_command_did_not_write(name, kind, force, tmp_path, tiny_labels, articles):
    out = precious(kind, tmp_path)
    before = snapshot(out)
    args = command(name, out, tiny_labels, articles) + (["--force"] if force else [])
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {out}: is a ") and len(result.stderr.splitlines()) == 1
    assert "labels folder" in result.stderr if kind == "labels folder" else True
    assert snapshot(out) == before


@pytest.mark.parametrize("name", ["train", "batch", "export"])
def test_force_replaces_what_the_command_wrote(name, tmp_path, tiny_labels, articles):
    out = tmp_path / ("model" if name == "train" else "out.jsonl")
    args = command(name, out, tiny_labels, articles)
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 1 and "already there; add --force" in again.stderr
    assert run(*args, "--force").exit_code == 0


@pytest.mark.parametrize("name", ["train", "batch", "export"])
@pytest.mark.parametrize("where", ["missing folder", "under a file", "unwritable"])
def test_unwritable_out_is_one_line_before_any_work(name, where, tmp_path, tiny_labels, articles):
    if where == "unwritable" and os.geteuid() == 0:
        out = Path("/proc/frames-out")  # root may write anywhere else
    elif where == "unwritable":
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        out = locked / "out"
    elif where == "under a file":
        (tmp_path / "file").write_text("x", encoding="utf-8")
        out = tmp_path / "file" / "out"
    else:
        out = tmp_path / "nodir" / "deeper" / "out.jsonl"
    result = run(*command(name, out, tiny_labels, articles))
    if name == "train" and where == "missing folder":
        assert result.exit_code == 0, result.output  # a model folder's parents are created
        return
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {out}: ") and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output and "training on" not in result.stderr


def test_batch_resume_refuses_another_models_file(tmp_path, tiny_model, articles):
    out = tmp_path / "scores.csv"
    assert run("batch", articles, "--out", out).exit_code == 0
    before = out.read_bytes()
    result = run("batch", articles, "--out", out, "--resume", "--model", tiny_model)
    assert result.exit_code == 1
    assert f"{out}:2: written by model 'default'" in result.stderr and "not by 'model'" in result.stderr
    assert out.read_bytes() == before
    assert run("batch", articles, "--out", out, "--resume").exit_code == 0


def test_batch_rows_name_their_model(tmp_path, tiny_model, articles):
    out = tmp_path / "scores.jsonl"
    assert run("batch", articles, "--out", out, "--model", tiny_model).exit_code == 0
    row = json.loads(out.read_text("utf-8").splitlines()[0])
    config = json.loads((tiny_model / "model.json").read_text("utf-8"))
    assert row["model"] == {"name": "model", "data_sha256": config["training"]["data_sha256"]}


def _children(pid: int) -> set[int]:
    """Every live descendant of pid, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_workers_exit_when_batch_is_killed(tmp_path):
    """A real SIGKILL of the parent alone (not its group): no worker outlives it by more than a few seconds."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = "Officials in Moscow accused Western capitals of meddling, and trade grew by a fifth. " * 200
    for i in range(600):  # few, long articles: quick to write, and the batch is still busy when killed
        (corpus / f"a{i:05d}.txt").write_text(sentence, encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "frames", "batch", str(corpus), "--out", str(out), "--jobs", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or len(out.read_bytes().splitlines()) < 64):
        time.sleep(0.02)
    workers = _children(process.pid)
    assert workers, "no worker processes were started"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:
        os.kill(w, signal.SIGKILL)
    assert not survivors, f"{len(survivors)} worker(s) outlived the killed batch"
