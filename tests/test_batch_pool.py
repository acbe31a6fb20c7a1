"""Forked batch workers: results in order, errors raised in the parent, no worker left behind
(tests/test_outputs.py kills a real `frames batch` and checks that its workers exit too)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from frames.batch.pool import ForkPool, fork_workers_available
from frames.errors import FramesError

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
    with pytest.raises(ValueError, match="three"):
        with ForkPool(_fail_on_three, 2) as pool:
            list(pool.map(range(10)))


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
