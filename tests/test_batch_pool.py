"""Forked batch workers: results in order, errors raised in the parent, no worker left behind
(tests/test_outputs.py kills a real `frames batch` and checks that its workers exit too)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frames.batch.pool import ForkPool, _receive, _send, fork_workers_available
from frames.batch.worker import ArticleText, Outcome, Skipped
from frames.errors import FramesError, ModelError

pytestmark = pytest.mark.skipif(not fork_workers_available(), reason="workers are forked only where fork is safe")


def _slow_square(n: int) -> int:
    """Later items finish first: the pool must still hand results back in order."""
    time.sleep(0.002 * (n % 5))
    return n * n


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def test_results_come_back_in_order_from_every_worker():
    with ForkPool(_slow_square, 3) as pool:
        pids = [w.pid for w in pool.workers]
        assert list(pool.map(range(100))) == [n * n for n in range(100)]
    assert len(set(pids)) == 3 and not any(_alive(pid) for pid in pids)


def test_chunks_are_taken_only_as_workers_have_room():
    taken = []

    def source():
        for n in range(1000):
            taken.append(n)
            yield n

    with ForkPool(_slow_square, 2) as pool:
        results = pool.map(source())
        assert next(results) == 0
        assert len(taken) <= 16  # a few chunks ahead per worker, not the whole input


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three")
    return n


def test_an_exception_in_a_worker_is_raised_in_the_parent():
    with pytest.raises(ValueError, match="three") as raised:
        with ForkPool(_fail_on_three, 2) as pool:
            list(pool.map(range(10)))
    assert "_fail_on_three" in str(raised.value.__cause__)  # the worker's traceback goes with a bug


def _die_on_three(n: int) -> int:
    if n == 3:
        os._exit(9)
    return n


def test_a_worker_that_dies_is_an_error_naming_resume():
    with pytest.raises(FramesError, match="stopped unexpectedly.*--resume"):
        with ForkPool(_die_on_three, 2) as pool:
            list(pool.map(range(10)))


def test_leaving_early_stops_and_reaps_the_workers():
    with ForkPool(_slow_square, 2) as pool:
        pids = [w.pid for w in pool.workers]
        for n in pool.map(range(1000)):
            if n == 16:
                break
    assert not any(_alive(pid) for pid in pids)
    assert pool.workers == []


texts = st.text(alphabet=st.characters(), max_size=20)  # lone surrogates included: a corpus may hold them
records = st.one_of(
    st.builds(Skipped, texts, texts),
    st.builds(Outcome, texts, st.none() | st.dictionaries(texts, st.floats() | texts | st.booleans() | st.none()),
              st.none() | st.builds(Skipped, texts, texts), st.booleans(), st.integers(0, 2**40)),
    st.builds(ArticleText, texts, texts, texts, st.integers(0, 2**40), texts),
)
values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts | records,
                      lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(texts, inner, max_size=4), max_leaves=20)


@settings(max_examples=100, deadline=None)
@given(value=values)
def test_what_crosses_a_pipe_comes_back_as_it_left(value):
    """Chunks and outcomes go to and from workers as tagged JSON (never pickle), types and all."""
    read, write = os.pipe()
    try:
        _send(write, value)
        more, back = _receive(read)
    finally:
        os.close(read)
        os.close(write)
    assert more and repr(back) == repr(value)  # repr: types, exact floats (NaN too) and records by name


def _frames_error(n: int) -> int:
    raise ModelError(f"model {n} is damaged")


def test_a_frames_error_in_a_worker_is_the_same_error_in_the_parent():
    with pytest.raises(ModelError, match="model 0 is damaged"):
        with ForkPool(_frames_error, 1) as pool:
            list(pool.map(range(2)))
