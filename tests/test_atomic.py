"""Safe writes: old or new content, never half; names made durable; a model folder never missing."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from frames.files import atomic
from frames.files.atomic import append_line, exchange, replace_folder, write_atomic, write_folder
from frames.errors import ModelError
from frames.model.modelfile import MODEL_FILES, read_model, save_model_folder

from conftest import DEFAULT_MODEL


class Crash(BaseException):
    """A stand-in for the process dying at a given line."""


@pytest.fixture
def synced(monkeypatch) -> list[Path]:
    """The folders fsync'd through frames.files.atomic.sync_folder, in order."""
    calls: list[Path] = []
    real = atomic.sync_folder
    monkeypatch.setattr(atomic, "sync_folder", lambda folder: (calls.append(Path(folder)), real(folder)))
    return calls


def test_write_atomic_replaces_keeps_the_mode_and_syncs_the_folder(tmp_path, synced):
    path = tmp_path / "notes.jsonl"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o600)
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert synced == [tmp_path]
    assert [p.name for p in tmp_path.iterdir()] == ["notes.jsonl"]


def test_write_atomic_cut_short_leaves_the_old_content_and_no_debris(tmp_path, monkeypatch):
    path = tmp_path / "notes.jsonl"
    path.write_text("old\n", encoding="utf-8")

    def crash(fd):
        raise Crash

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(Crash):
        write_atomic(path, b"new\n")
    assert path.read_text("utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.jsonl"]


def test_append_line_keeps_a_hand_edited_last_line_whole_and_syncs_a_new_file(tmp_path, synced):
    path = tmp_path / "labels.jsonl"
    append_line(path, b'{"a": 1}\n')
    assert synced == [tmp_path]  # a new file: its name is made durable
    path.write_bytes(path.read_bytes() + b'{"b": 2}')  # edited by hand, no final newline
    append_line(path, b'{"c": 3}\n')
    assert path.read_bytes().splitlines() == [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']
    assert synced == [tmp_path]  # an existing file: no folder sync needed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 RENAME_EXCHANGE is Linux's")
def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from-a").touch()
    (b / "from-b").touch()
    if not exchange(a, b):
        pytest.skip("this file system cannot exchange names")
    assert [p.name for p in a.iterdir()] == ["from-b"] and [p.name for p in b.iterdir()] == ["from-a"]


def _two_models(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path / "models" / "mine"
    shutil.copytree(DEFAULT_MODEL, folder)
    new = {name: (DEFAULT_MODEL / name).read_bytes() for name in MODEL_FILES}
    new["metrics.json"] = b'{"new": true}\n'
    return folder, new


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 RENAME_EXCHANGE is Linux's")
def test_the_model_folder_holds_a_complete_model_after_every_step_of_a_replacement(tmp_path, monkeypatch):
    """Wherever a crash falls, the folder is there: the old model or the new one, whole."""
    folder, new = _two_models(tmp_path)
    probe = tmp_path / "probe"
    probe.mkdir()
    if not exchange(probe, probe):
        pytest.skip("this file system cannot exchange names")
    states = []

    def watched(function):
        def step(*args, **kwargs):
            result = function(*args, **kwargs)
            states.append((function.__name__, (folder / "metrics.json").read_bytes() if folder.is_dir() else None))
            read_model(folder)  # a complete, valid model at this instant
            return result
        return step

    for name in ("replace", "rename"):
        monkeypatch.setattr(atomic.os, name, watched(getattr(os, name)))
    monkeypatch.setattr(atomic, "exchange", watched(exchange))
    monkeypatch.setattr(atomic.shutil, "rmtree", watched(shutil.rmtree))
    write_folder(folder, new)
    assert states[-1] == ("rmtree", b'{"new": true}\n')
    assert [p.name for p in folder.parent.iterdir()] == ["mine"]


def test_without_exchange_a_crash_between_the_renames_is_the_documented_window(tmp_path, monkeypatch):
    """Two renames: a crash between them leaves no folder, and the old model where the docstring says."""
    folder, new = _two_models(tmp_path)
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == folder:
            raise Crash  # the second rename never happens
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(Crash):
        write_folder(folder, new)
    assert not folder.exists()
    left = [p for p in folder.parent.iterdir() if p.name.startswith(".mine.old-")]
    assert len(left) == 1 and read_model(left[0] / "mine").frame_ids
    with pytest.raises(ModelError, match=r"interrupted replacement left the old model in .*\.mine\.old-"):
        read_model(folder)


def test_without_exchange_the_fallback_still_replaces_and_cleans_up(tmp_path, monkeypatch):
    folder, new = _two_models(tmp_path)
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    write_folder(folder, new)
    assert (folder / "metrics.json").read_bytes() == b'{"new": true}\n'
    assert [p.name for p in folder.parent.iterdir()] == ["mine"]


def test_a_crash_while_writing_the_files_leaves_the_old_model_and_no_staging(tmp_path, monkeypatch):
    folder, _ = _two_models(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    model = read_model(folder)
    calls = []

    def crash(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise Crash

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(Crash):
        save_model_folder(model, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == ["mine"]


def test_replace_folder_puts_a_new_folder_in_place(tmp_path, synced):
    staging = tmp_path / ".new"
    staging.mkdir()
    (staging / "x").write_text("x", encoding="utf-8")
    replace_folder(staging, tmp_path / "target")
    assert (tmp_path / "target" / "x").read_text("utf-8") == "x" and not staging.exists()
    assert synced == [tmp_path]
