"""Worker processes forked from the batch process itself, so that they start with its imports and model.

`frames batch --jobs N` forks its workers on Linux once the model is loaded: a worker scores its
first chunk at once, where a loky worker is a new interpreter that imports frames and loads the
model again (about half a second, and joblib's import in the parent on top). Each worker has a pipe
of chunks in and a pipe of outcomes out; the parent keeps two chunks queued per worker and hands
the outcomes back in the order of the chunks.

Workers ignore Ctrl-C (the terminal sends it to the whole process group; the parent stops them),
exit when the parent dies (its end of their pipe closes, and watch_parent), and never run the
parent's exit handlers or flush its buffers (they leave by os._exit).

What crosses a pipe is JSON, not pickle: the project never unpickles, so that no file or stream
it reads can run code. Lists, tuples, dicts and the batch's own records (Outcome, Skipped,
ArticleText) are tagged so that they come back as they left.
"""

from __future__ import annotations

import builtins
import dataclasses
import gc
import json
import os
import queue
import selectors
import signal
import struct
import sys
import threading
import traceback
from collections import deque
from typing import Callable, Iterable, Iterator

from frames import errors
from frames.batch.worker import ArticleText, Outcome, Skipped, keep_freed_memory
from frames.errors import FramesError

AHEAD = 2  # chunks handed to a worker before its first comes back: it never waits for the next
WINDOW = 8  # chunks per worker sent and not yet handed back: bounds what waits for a slower chunk before it
PIPE_BYTES = 1 << 20  # the size asked for each pipe (Linux's default limit for an unprivileged process)
_HEADER = struct.Struct("<Q")  # the byte length of the JSON that follows
_RECORDS = {cls.__name__: cls for cls in (Outcome, Skipped, ArticleText)}  # the dataclasses a pipe carries


def fork_workers_available() -> bool:
    """Whether workers can be forked from this process: Linux and the BSDs, not macOS or Windows
    (macOS's system libraries are not safe to use in a forked child; Python spawns there too)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def _tagged(value: object) -> object:
    """A value as tagged JSON: every container an object of one key saying what it was (l: list,
    t: tuple, d: dict as [key, value] pairs, o: a record's name and fields); numbers, strings,
    booleans and None as themselves."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return {"l": [_tagged(v) for v in value]}
    if isinstance(value, tuple):
        return {"t": [_tagged(v) for v in value]}
    if isinstance(value, dict):
        return {"d": [[_tagged(k), _tagged(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and _RECORDS.get(type(value).__name__) is type(value):
        return {"o": [type(value).__name__, [_tagged(getattr(value, f.name)) for f in dataclasses.fields(value)]]}
    raise TypeError(f"a batch worker cannot send {type(value).__name__} through its pipe")


def _untagged(obj: dict) -> object:
    """json.loads' object hook: a tagged container back as it was (its contents are already back)."""
    (tag, inner), = obj.items()
    if tag == "l":
        return inner
    if tag == "t":
        return tuple(inner)
    if tag == "d":
        return {k: v for k, v in inner}
    name, values = inner
    return _RECORDS[name](*values)


def _send(fd: int, value: object) -> None:
    """Write one value to a pipe as tagged JSON, after its length."""
    data = json.dumps(_tagged(value), ensure_ascii=False).encode("utf-8", "surrogatepass")
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from a pipe, or None at its end (the other side has gone)."""
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _receive(fd: int) -> tuple[bool, object]:
    """(True, value) for the next value on a pipe, (False, None) at its end."""
    header = _read_exactly(fd, _HEADER.size)
    data = _read_exactly(fd, _HEADER.unpack(header)[0]) if header is not None else None
    if data is None:
        return False, None
    return True, json.loads(data.decode("utf-8", "surrogatepass"), object_hook=_untagged)


class _Worker:
    """The parent's side of one forked worker: its pid, its two pipes, the chunks it holds."""

    def __init__(self, pid: int, tasks: int, results: int):
        self.pid = pid
        self.tasks = tasks  # write end: chunks to score
        self.results = results  # read end: ("ok", outcomes) or ("error", exception), one per chunk
        self.holding: deque[int] = deque()  # the numbers of the chunks sent and not yet answered


def _serve(task: Callable[[object], object], tasks: int, results: int) -> None:
    """A worker's life: score each chunk read from ``tasks`` and send the answer to ``results``.

    A thread reads the chunks as they come, so that the parent never waits on a worker that is
    itself waiting to send back a result (both pipes full would stop both).
    """
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def read() -> None:
        more = True
        try:
            while more:
                more, chunk = _receive(tasks)
                inbox.put((more, chunk))
        finally:
            if more:  # stopped by an error: the worker stops too, and the parent sees its pipe close
                inbox.put((False, None))

    threading.Thread(target=read, name="frames-chunks", daemon=True).start()
    while True:
        more, chunk = inbox.get()
        if not more:
            return
        try:
            answer = ("ok", task(chunk))
        except Exception as exc:  # a bug, not a bad article (those are outcomes): the parent raises it
            answer = ("error", _portable(exc))
        _send(results, answer)


def _become_worker(task: Callable[[object], object], tasks: int, results: int, parents: list[int],
                   held: set | None) -> None:
    """Turn the child of a fork into a worker: ignore Ctrl-C, close the parent's pipe ends,
    serve chunks, and leave by os._exit (never the parent's exit handlers or buffered output)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _release_ctrl_c(held)
        for fd in parents:
            os.close(fd)
        gc.freeze()  # what it shares with the parent stays out of the collector's passes (and unwritten)
        keep_freed_memory()
        _serve(task, tasks, results)
        code = 0
    finally:
        os._exit(code)


def _portable(exc: Exception) -> tuple[str, str, str]:
    """A worker's exception as (its class's name, its message, its traceback), for the parent to raise."""
    return type(exc).__name__, str(exc), "".join(traceback.format_exception(exc))


def _raised(name: str, message: str, trace: str) -> Exception:
    """The exception to raise in the parent for a worker's: the same class for frames' own errors
    and Python's built-in ones, with the same message; else a RuntimeError carrying the traceback."""
    kind = getattr(errors, name, None) or getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            raised = kind(message)
        except Exception:  # a class that wants other arguments
            pass
        else:
            if not issubclass(kind, FramesError):  # a bug: its traceback in the worker goes with it
                raised.__cause__ = RuntimeError(f"in a batch worker:\n{trace}")
            return raised
    return RuntimeError(f"a batch worker failed:\n{trace}")


class ForkPool:
    """Worker processes forked from this one, each running ``task`` on the chunks given to ``map``.

    Used as a context manager: leaving it stops the workers (at once when leaving on an error or
    Ctrl-C; the output the parent wrote stays valid) and waits for them, so none is left behind.
    """

    def __init__(self, task: Callable[[object], object], jobs: int):
        self.task = task
        self.jobs = jobs
        self.workers: list[_Worker] = []

    def __enter__(self) -> "ForkPool":
        try:
            for _ in range(self.jobs):
                self._fork()
        except BaseException:
            self._stop(kill=True)
            raise
        return self

    def __exit__(self, kind, value, trace) -> None:
        self._stop(kill=kind is not None)

    def _fork(self) -> None:
        """Start one worker. Ctrl-C is held back around the fork, so that the worker is never
        interrupted before it ignores it and the parent always records the worker it started."""
        tasks_read, tasks_write = os.pipe()
        results_read, results_write = os.pipe()
        for fd in (tasks_write, results_write):
            _widen(fd)
        held = _hold_ctrl_c()
        try:
            pid = os.fork()
            if pid == 0:
                inherited = [f for w in self.workers for f in (w.tasks, w.results)]
                _become_worker(self.task, tasks_read, results_write, [tasks_write, results_read, *inherited], held)
            self.workers.append(_Worker(pid, tasks_write, results_read))
        except BaseException:
            for fd in (tasks_write, results_read):
                os.close(fd)
            raise
        finally:
            os.close(tasks_read)
            os.close(results_write)
            _release_ctrl_c(held)

    def map(self, chunks: Iterable[object]) -> Iterator[object]:
        """``task(chunk)`` for each chunk, in the chunks' order; a worker's exception is raised here.

        Chunks are taken from ``chunks`` only as workers have room for them, so a corpus read
        as it goes is never read far ahead of the scoring.
        """
        source = iter(chunks)
        answers: dict[int, object] = {}
        sent = given = 0
        exhausted = False
        with selectors.DefaultSelector() as selector:
            for worker in self.workers:
                selector.register(worker.results, selectors.EVENT_READ, worker)
            while True:
                while not exhausted and sent - given < WINDOW * len(self.workers):
                    worker = min(self.workers, key=lambda w: len(w.holding))
                    if len(worker.holding) >= AHEAD:
                        break
                    try:
                        chunk = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    _send(worker.tasks, chunk)
                    worker.holding.append(sent)
                    sent += 1
                if given in answers:
                    yield answers.pop(given)
                    given += 1
                    continue
                if exhausted and given == sent:
                    return
                for key, _ in selector.select():
                    worker = key.data
                    more, answer = _receive(worker.results)
                    if not more:
                        raise FramesError(f"a batch worker (process {worker.pid}) stopped unexpectedly; "
                                          f"the output is valid: run again with --resume")
                    status, value = answer
                    if status == "error":
                        raise _raised(*value)
                    answers[worker.holding.popleft()] = value

    def _stop(self, kill: bool) -> None:
        """Close the workers' pipes (they exit when their chunks run out) or, with ``kill``, stop
        them at once; then reap them."""
        for worker in self.workers:
            if kill:
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for fd in (worker.tasks, worker.results):
                try:
                    os.close(fd)
                except OSError:
                    pass
        for worker in self.workers:
            try:
                os.waitpid(worker.pid, 0)
            except ChildProcessError:
                pass
        self.workers = []


def _widen(fd: int) -> None:
    """Let a pipe hold a whole chunk of a corpus (32 texts, about 200 KB) where the system allows,
    so that sending one does not wait for the worker to read it piecemeal (64 KB by default)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or above the system's limit: the default
        pass


def _hold_ctrl_c() -> set | None:
    """Block SIGINT in this thread; returns the mask to restore (None where signals cannot be masked)."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _release_ctrl_c(held: set | None) -> None:
    """Restore the signal mask ``_hold_ctrl_c`` returned: a Ctrl-C held back arrives now (in the
    parent; a worker ignores it by then)."""
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
