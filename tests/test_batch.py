"""`frames batch`: rows as classify computes them, bad files skipped, exactly-once resume, parallel == serial."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import frames.batch.run
from frames import load_model, read_article
from frames.cli import app

from conftest import LABELS

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["batch", *[str(a) for a in args]])


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def write_corpus(folder: Path, n: int) -> Path:
    """n small articles made of labelled sentences, in two subfolders."""
    sentences = [json.loads(line)["text"] for line in (LABELS / "written" / "state-media-01.jsonl").read_text("utf-8").splitlines()]
    for i in range(n):
        path = folder / f"part{i % 2}" / f"article-{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(" ".join(sentences[(i + k) % len(sentences)] for k in range(6)), encoding="utf-8")
    return folder


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A folder with good UTF-8, cp1251 and UTF-16 articles, and binary and empty files."""
    folder = tmp_path / "articles"
    (folder / "ru").mkdir(parents=True)
    (folder / "good.txt").write_text("Officials in Moscow accused Western capitals of meddling. Trade grew.", encoding="utf-8")
    (folder / "ru" / "cp1251.txt").write_bytes("Москва и Астана подписали договор о дружбе.".encode("cp1251"))
    (folder / "utf16.txt").write_bytes("Despite the sanctions, bilateral trade hit a record.".encode("utf-16"))
    (folder / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "numbers.txt").write_text("1 2 3 4 5 ... 6 7", encoding="utf-8")
    (folder / "notes.md").write_text("Not an article: wrong extension.", encoding="utf-8")
    return folder


def test_rows_and_skips(mixed, tmp_path):
    out = tmp_path / "scores.jsonl"
    result = run(mixed, "--out", out)
    assert result.exit_code == 0, result.output
    rows = jsonl(out)
    assert [r["path"] for r in rows] == ["good.txt", "ru/cp1251.txt", "utf16.txt"]
    skipped = jsonl(Path(str(out) + ".errors.jsonl"))
    assert {s["path"]: s["reason"].split(";")[0] for s in skipped} == {
        "binary.txt": "looks like a binary file, not text", "empty.txt": "is empty", "numbers.txt": "no sentences found"}
    assert "scored 2, not scored 1 (not in the model's language" in result.stderr  # ru/cp1251.txt is Russian
    assert "unchanged 0, skipped 3" in result.stderr
    assert "skipped binary.txt: looks like a binary file" in result.stderr


def test_a_row_is_what_classify_computes(mixed, tmp_path):
    out = tmp_path / "scores.jsonl"
    run(mixed, "--out", out, "--evidence", "2")
    row = jsonl(out)[0]
    result = load_model().classify(read_article(mixed / "good.txt").text, top=2)
    assert row["n_sentences"] == len(result.sentences)
    for f in result.frames:
        assert row["frames"][f.id] == {"score": f.score, "present": f.present, "share": f.share}
        assert [e["index"] for e in row["evidence"][f.id]] == list(f.evidence)
    import hashlib
    assert row["sha256"] == hashlib.sha256((mixed / "good.txt").read_bytes()).hexdigest()


def test_csv_header_once_and_format_from_extension(mixed, tmp_path):
    out = tmp_path / "scores.csv"
    assert run(mixed, "--out", out, "--no-recursive").exit_code == 0
    with open(out, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0][:6] == ["path", "sha256", "n_sentences", "model", "model_data_sha256", "foreign_interference_score"]
    assert len(table[0]) == 5 + 3 * 4 + 2 and table[0][-2:] == ["language", "scored"]
    assert all(r[-2:] == ["und", "true"] for r in table[1:])  # one-line articles: too short to tell, so scored
    assert [r[0] for r in table[1:]] == ["good.txt", "utf16.txt"]  # ru/ is a subfolder
    model = load_model()
    assert all(r[3:5] == ["default", model.data.training["data_sha256"]] for r in table[1:])
    assert all(r[6] in {"true", "false"} for r in table[1:])


def test_standard_output_is_jsonl(mixed):
    result = run(mixed, "--quiet")
    assert result.exit_code == 0 and result.stderr == ""
    assert [json.loads(line)["path"] for line in result.stdout.splitlines()] == ["good.txt", "ru/cp1251.txt", "utf16.txt"]


def test_glob(mixed):
    result = run(mixed, "--glob", "*.md", "-q")
    assert [json.loads(line)["path"] for line in result.stdout.splitlines()] == ["notes.md"]


def test_strict_stops_at_the_first_bad_file(mixed, tmp_path):
    out = tmp_path / "scores.jsonl"
    result = run(mixed, "--out", out, "--strict")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: binary.txt: looks like a binary file, not text; give a plain-text "
                                     "article (stopped by --strict)")
    assert all(line.endswith("}") for line in out.read_text("utf-8").splitlines())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume"], "--resume needs --out"),
        (["--out", "x.jsonl", "--excel"], "--excel writes CSV"),
        (["--out", "x.jsonl", "--resume", "--force"], "clash"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler is for --backend dask"),
        (["--out", "x.parquet"], "cannot tell the format"),
        (["--backend", "nosuch"], "unknown --backend 'nosuch'"),
    ],
)
def test_clashing_options_are_rejected(mixed, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(mixed, *args)
    assert result.exit_code == 1 and message in result.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.jsonl").exists()


def test_jobs_0_is_a_usage_error(mixed):
    result = run(mixed, "--jobs", "0")
    assert result.exit_code == 2 and "--jobs" in result.stderr


def test_existing_output_is_not_overwritten_without_force(mixed, tmp_path):
    out = tmp_path / "scores.jsonl"
    assert run(mixed, "--out", out).exit_code == 0
    before = out.read_bytes()
    result = run(mixed, "--out", out)
    assert result.exit_code == 1 and "a batch output is already there; add --force" in result.stderr
    assert out.read_bytes() == before
    assert run(mixed, "--out", out, "--force").exit_code == 0
    assert len(jsonl(out)) == 3


def test_not_a_folder(tmp_path):
    result = run(tmp_path / "missing")
    assert result.exit_code == 1 and "missing: no such folder" in result.stderr
    (tmp_path / "file.txt").write_text("Trade grew.", encoding="utf-8")
    result = run(tmp_path / "file.txt")
    assert result.exit_code == 1 and "file.txt: not a folder" in result.stderr


def test_jobs_1_and_2_write_identical_files(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 80)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert run(corpus, "--out", one, "--jobs", "1").exit_code == 0
    assert run(corpus, "--out", two, "--jobs", "2").exit_code == 0
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_text("utf-8").splitlines()) == 81


def test_writer_stopped_after_n_rows_then_resume_gives_each_article_once(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", 100)
    reference = tmp_path / "reference.jsonl"
    run(corpus, "--out", reference)
    out = tmp_path / "scores.jsonl"
    real_write = frames.batch.run.RowWriter.write
    for stop_after in (7, 30, 30):  # rows written by each run before it is stopped
        written = {"n": 0}

        def write(self, row, written=written, stop_after=stop_after):
            if written["n"] == stop_after:
                raise KeyboardInterrupt
            written["n"] += 1
            real_write(self, row)

        monkeypatch.setattr(frames.batch.run.RowWriter, "write", write)
        result = run(out.parent / "corpus", "--out", out, "--resume")
        assert result.exit_code == 130 and "--resume" in result.stderr
        monkeypatch.undo()
        lines = out.read_text("utf-8").splitlines()
        assert all(json.loads(line) for line in lines)
    # a kill in the middle of a line leaves half a row: resume drops it
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"path": "part0/arti')
    result = run(corpus, "--out", out, "--resume")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == reference.read_bytes()


def test_changed_article_is_rescored_and_its_old_row_dropped(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 10)
    out = tmp_path / "scores.csv"
    run(corpus, "--out", out)
    changed = corpus / "part1" / "article-0003.txt"
    changed.write_text("Western foundations stir hatred between the two peoples, the minister said.", encoding="utf-8")
    result = run(corpus, "--out", out, "--resume")
    assert result.exit_code == 0
    assert "scored 1, unchanged 9, skipped 0, replaced 1 stale rows" in result.stderr
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["path"] for r in rows] == sorted(r["path"] for r in rows) and len(rows) == 10
    import hashlib
    assert next(r for r in rows if r["path"] == "part1/article-0003.txt")["sha256"] == hashlib.sha256(changed.read_bytes()).hexdigest()


def test_symlink_loop_and_unreadable_folder_are_reported(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", 4)
    (corpus / "part0" / "loop").symlink_to(corpus, target_is_directory=True)
    (corpus / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(frames.batch.run.os, "scandir", scandir)
    out = tmp_path / "scores.jsonl"
    result = run(corpus, "--out", out)
    assert result.exit_code == 0, result.output
    assert len(jsonl(out)) == 4
    reasons = {s["path"]: s["reason"] for s in jsonl(Path(str(out) + ".errors.jsonl"))}
    assert reasons == {"locked": "folder cannot be read (Permission denied)",
                       "part0/loop": "symbolic link loop: leads back to the top folder, which holds it"}


def test_file_that_disappears_mid_run_is_skipped(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", 6)
    real_find = frames.batch.run.find_articles

    def find_then_delete(*args, **kwargs):
        found = real_find(*args, **kwargs)
        (corpus / "part1" / "article-0003.txt").unlink()
        return found

    monkeypatch.setattr(frames.batch.run, "find_articles", find_then_delete)
    result = run(corpus, "-q")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 5


@pytest.mark.slow
def test_process_killed_mid_run_then_resumed(tmp_path):
    """A real SIGKILL of `frames batch --jobs 2` part-way, then --resume: every article once."""
    corpus = write_corpus(tmp_path / "corpus", 600)
    reference = tmp_path / "reference.csv"
    assert run(corpus, "--out", reference).exit_code == 0
    out = tmp_path / "scores.csv"
    command = [sys.executable, "-m", "frames", "batch", str(corpus), "--out", str(out), "--jobs", "2"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or len(out.read_bytes().splitlines()) < 100):
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    partial = out.read_bytes().splitlines()
    assert 100 <= len(partial) < 601, "the run was not caught part-way"
    result = subprocess.run([*command, "--resume"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == reference.read_bytes()


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_rows(tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed: pip install 'frames[dask]'")
    corpus = write_corpus(tmp_path / "corpus", 70)
    local = tmp_path / "local.jsonl"
    assert run(corpus, "--out", local).exit_code == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = tmp_path / "dask.jsonl"
        result = run(corpus, "--out", remote, "--backend", "dask", "--scheduler", cluster.scheduler_address)
        assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()


def test_a_file_link_to_an_article_already_found_is_scored_once(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 4)
    (corpus / "part0" / "again.txt").symlink_to(corpus / "part1" / "article-0001.txt")
    (corpus / "a-link.txt").symlink_to(corpus / "part0" / "article-0000.txt")  # sorts before its target
    outside = tmp_path / "outside.txt"
    outside.write_text("Trade between the neighbours grew by a fifth despite the restrictions.", encoding="utf-8")
    (corpus / "x1.txt").symlink_to(outside)
    (corpus / "x2.txt").symlink_to(outside)
    out = tmp_path / "scores.jsonl"
    result = run(corpus, "--out", out)
    assert result.exit_code == 0, result.output
    assert [r["path"] for r in jsonl(out)] == ["part0/article-0000.txt", "part0/article-0002.txt",
                                               "part1/article-0001.txt", "part1/article-0003.txt", "x1.txt"]
    reasons = {s["path"]: s["reason"] for s in jsonl(Path(str(out) + ".errors.jsonl"))}
    assert reasons == {
        "a-link.txt": "symbolic link to part0/article-0000.txt, an article already read: not scored twice",
        "part0/again.txt": "symbolic link to part1/article-0001.txt, an article already read: not scored twice",
        "x2.txt": "symbolic link to x1.txt, an article already read: not scored twice"}
