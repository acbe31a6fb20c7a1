"""Batch scoring of a folder: one row per article, streamed to CSV or JSONL, parallel and resumable.

Rows are written in path order as chunks finish, one complete line at a time and flushed, so an
interrupted run leaves a valid file; `resume` skips articles already in it (same path and
content hash) and, once the run completes, rewrites the file in path order with one row per path.
"""

from __future__ import annotations

import csv
import functools
import errno
import json
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Callable, Iterator, TextIO

from frames.batch.worker import _MODELS, Outcome, Skipped, keep_freed_memory, score_chunk
from frames.text.corpus import is_corpus
from frames.errors import ArticleError, FramesError, install_extra
from frames.files.spreadsheet import neutralise_row, restore_row
from frames.files.atomic import close_synced, sync_folder, write_atomic
from frames.model.scoring import ModelIdentity, load_model
from frames.files.outputs import check_target, check_writable, describe

FORMATS = ("csv", "jsonl")
BACKENDS = ("loky", "multiprocessing", "threading", "dask")
CHUNK_ARTICLES = 32


@dataclass(frozen=True)
class BatchOptions:
    """What to score and how; mirrors the options of `frames batch`."""

    root: Path
    out: Path | None = None  # None: JSONL to the given stream
    format: str = "jsonl"
    pattern: str = "*.txt"
    recursive: bool = True
    jobs: int = 1
    resume: bool = False
    strict: bool = False
    force: bool = False
    evidence: int = 0
    model: Path | None = None
    backend: str | None = None  # a joblib backend name, e.g. "dask"
    scheduler: str | None = None  # a dask.distributed scheduler address
    any_language: bool = False  # score articles in other languages than the model's too (default: rows say "not scored")
    text_field: str = "text"  # a corpus file's field holding the text
    id_field: str = "id"  # a corpus file's field holding the id, which its rows keep
    meta: tuple[str, ...] = ()  # fields each row keeps in "meta": a corpus's own, or --meta-file's columns;
    # "field=name" keeps a field under another name (e.g. language=source_language, as language is the row's own)
    meta_file: Path | None = None  # a folder's metadata: a CSV with a "path" column (see frames.batch.corpus)
    excel: bool = False  # CSV starting with a UTF-8 byte-order mark, so Excel reads it as UTF-8

    def __post_init__(self) -> None:
        """Clashing or impossible options are refused here, so library callers get the CLI's checks."""
        if self.format not in FORMATS:
            raise FramesError(f"unknown format {self.format!r}; use csv or jsonl")
        if self.resume and self.out is None:
            raise FramesError("--resume needs --out: there is nothing to resume on standard output")
        if self.resume and self.force:
            raise FramesError("--resume and --force clash: continue the output, or replace it, not both")
        if self.backend is not None and self.backend not in BACKENDS:
            raise FramesError(f"unknown --backend {self.backend!r}; use one of {', '.join(BACKENDS)}")
        if self.scheduler and self.backend != "dask":
            raise FramesError("--scheduler is for --backend dask")
        if self.jobs < 1:
            raise FramesError(f"--jobs must be 1 or more, got {self.jobs}")
        if self.evidence < 0:
            raise FramesError(f"--evidence must be 0 or more, got {self.evidence}")
        _check_input_options(self)
        if self.excel and self.format != "csv":
            raise FramesError("--excel writes CSV that Excel opens as UTF-8; name --out FILE.csv or give --format csv")


EVIDENCE_JOIN = " | "  # between the evidence sentences of one frame in a CSV cell


RESERVED_FIELDS = ("path", "id", "sha256", "n_sentences", "meta", "frames", "model", "model_data_sha256", "language",
                   "scored", "evidence")


def _check_input_options(options: BatchOptions) -> None:
    """Options that fit a corpus file but not a folder, or the other way round, are refused."""
    corpus = is_corpus(options.root)
    if corpus and options.meta_file is not None:
        raise FramesError("--meta-file is for a folder of articles; a corpus keeps its metadata in its rows: use --meta")
    if corpus and (options.pattern != "*.txt" or not options.recursive):
        raise FramesError("--glob and --no-recursive choose files in a folder; a corpus file is read whole")
    if not corpus and (options.text_field != "text" or options.id_field != "id"):
        raise FramesError("--text-field and --id-field name the fields of a corpus file (.jsonl, .csv, .jsonl.gz, "
                          ".csv.gz), not of a folder")
    if not corpus and options.meta and options.meta_file is None:
        raise FramesError("--meta picks fields of a corpus's rows; for a folder, give them in a CSV with --meta-file")
    for source, name in meta_pairs(options.meta):
        if not source or not name or source in (options.text_field, options.id_field):
            raise FramesError(f"--meta {source or name!r}: not a field a row can keep (rows already hold the id and "
                              f"the text is scored); give other fields")
        if name in RESERVED_FIELDS:
            raise FramesError(f"--meta {name!r}: rows already hold their own {name!r}; keep the field under "
                              f"another name with --meta {source}=source_{name}")
    names = [name for _, name in meta_pairs(options.meta)]
    if len(set(names)) < len(names):
        raise FramesError("--meta names a field twice")


def meta_pairs(meta: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """--meta's fields as (field read, name kept): "date" keeps date as date, "language=source_language"
    keeps language as source_language."""
    pairs = []
    for entry in meta:
        source, _, name = entry.partition("=")
        pairs.append((source.strip(), name.strip() if "=" in entry else source.strip()))
    return tuple(pairs)


@dataclass(frozen=True)
class BatchSummary:
    """The end of a run: counts, the skipped articles with reasons, and throughput."""

    scored: int
    unchanged: int
    replaced: int  # rows dropped because their article changed and was scored again
    skipped: tuple[Skipped, ...]
    seconds: float
    bytes: int
    out: Path | None
    errors_file: Path | None = None
    not_scored: int = 0  # rows of articles in another language than the model's, written with no scores

    @property
    def articles_per_second(self) -> float:
        return self.scored / self.seconds if self.seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def output_format(out: Path | None, given: str | None) -> str:
    """--format if given, else from --out's extension (.csv or .jsonl), else JSONL; a .json --out is refused."""
    if out is not None and out.suffix.lower() == ".json":
        raise FramesError(f"{out}: batch writes JSON Lines (one object a line, appended as it goes), which JSON "
                          f"readers refuse in a .json file; name it {out.with_suffix('.jsonl').name}")
    if given:
        if given not in FORMATS:
            raise FramesError(f"unknown format {given!r}; use csv or jsonl")
        return given
    if out is not None and out.suffix.lower() == ".csv":
        return "csv"
    if out is None or out.suffix.lower() in {".jsonl", ".ndjson"}:
        return "jsonl"
    raise FramesError(f"{out}: cannot tell the format from the extension; name it .csv or .jsonl or give --format")


def errors_path(out: Path) -> Path:
    """The sidecar listing skipped articles: FILE.errors.jsonl next to the output."""
    return out.with_name(out.name + ".errors.jsonl")


def find_articles(root: Path, pattern: str = "*.txt", recursive: bool = True) -> tuple[list[str], list[Skipped]]:
    """Article paths under root (relative, '/'-separated, sorted) and what was skipped on the way, with why.

    Symbolic links are followed, after the real folders and files: a link back to a folder above it
    (a loop), a second way into a folder already read, a link to an article already found (so it
    is scored once), a broken link and a folder that cannot be read are each skipped and listed.
    """
    root = Path(root)
    if not root.exists() and not root.is_symlink():
        raise FramesError(f"{root}: no such folder; give the folder of articles to score")
    if not root.is_dir():
        raise FramesError(f"{root}: not a folder; give the folder of articles to score")
    found: list[str] = []
    problems: list[Skipped] = []
    visited: dict[tuple[int, int], str] = {}  # each folder read, and the path it was read under
    links: list[tuple[Path, str, frozenset]] = []  # folder links, followed once the real folders are read
    files: dict[tuple[int, int], str] = {}  # each article file that is not a link, and its path
    file_links: list[tuple[str, tuple[int, int]]] = []  # links to article files, and the file each leads to

    def walk(folder: Path, relative: str, above: frozenset = frozenset()) -> None:
        try:
            info = folder.stat()
        except OSError as exc:
            problems.append(Skipped(relative or ".", f"folder cannot be read ({exc.strerror or exc})"))
            return
        key = (info.st_dev, info.st_ino)
        where = visited.get(key) or "the top folder"
        if key in above:
            problems.append(Skipped(relative, f"symbolic link loop: leads back to {where}, which holds it"))
            return
        if key in visited:
            problems.append(Skipped(relative, f"symbolic link to {where}, a folder already read: "
                                              f"not read twice, so no article is scored twice"))
            return
        visited[key] = relative
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Skipped(relative or ".", f"folder cannot be read ({exc.strerror or exc})"))
            return
        for entry in entries:
            path = f"{relative}/{entry.name}" if relative else entry.name
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError as exc:
                loop = exc.errno == errno.ELOOP
                problems.append(Skipped(path, "symbolic link loop: the link leads back to itself" if loop
                                        else f"cannot be read ({exc.strerror or exc})"))
                continue
            if is_dir:
                if recursive and entry.is_symlink():
                    links.append((Path(entry.path), path, above | {key}))
                elif recursive:
                    walk(Path(entry.path), path, above | {key})
            elif entry.is_symlink() and not is_file and recursive and "." not in entry.name:
                problems.append(Skipped(path, f"broken symbolic link (to {_link_target(entry.path)}): "
                                              f"a folder or article that is not there"))
            elif fnmatch(entry.name, pattern):
                if is_file and not _utf8(path):
                    shown = os.fsencode(path).decode("utf-8", "backslashreplace")
                    problems.append(Skipped(shown, "file name is not UTF-8, so no row can name it; rename the file"))
                elif is_file:
                    found.append(path)
                    if entry.is_symlink():
                        try:
                            target = os.stat(entry.path)
                            file_links.append((path, (target.st_dev, target.st_ino)))
                        except OSError:  # gone since: scoring it will say so
                            pass
                    else:
                        files[(info.st_dev, entry.inode())] = path
                elif entry.is_symlink():
                    problems.append(Skipped(path, f"broken symbolic link (to {_link_target(entry.path)})"))

    walk(root, "")
    while links:
        walk(*links.pop(0))
    repeated = set()
    for path, target in sorted(file_links):
        if target in files:
            repeated.add(path)
            problems.append(Skipped(path, f"symbolic link to {files[target]}, an article already read: "
                                          f"not scored twice"))
        else:
            files[target] = path
    return sorted(p for p in found if p not in repeated), problems


def _link_target(path: str) -> str:
    """Where a symbolic link points, for a message."""
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _utf8(name: str) -> bool:
    """Whether a file name (as the file system decoded it) is valid UTF-8 text, as every row must be."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class RowWriter:
    """Writes rows as complete, flushed lines (a CSV header once), to a file or a stream."""

    def __init__(self, stream: TextIO, fmt: str, frame_ids: tuple[str, ...], header: bool, key: str = "path",
                 meta: tuple[str, ...] = (), evidence: bool = False, excel: bool = False):
        self.stream = stream
        self.fmt = fmt
        self.frame_ids = frame_ids
        self.key = key
        self.meta = meta
        self.evidence = evidence
        # One writer for the run: it hands the stream each row as one complete line.
        self._csv = csv.writer(stream, lineterminator="\n") if fmt == "csv" else None
        if self._csv is not None and header:
            if excel:
                self.stream.write("\ufeff")  # the byte-order mark by which Excel tells UTF-8
            self._write_line(csv_header(frame_ids, key, meta, evidence))

    def write(self, row: dict) -> None:
        if self._csv is not None:
            self._write_line(csv_fields(row, self.frame_ids, self.key, self.meta, self.evidence))
        else:
            self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.stream.flush()

    def _write_line(self, fields: list[str]) -> None:
        self._csv.writerow(neutralise_row(fields))  # no cell runs as a formula
        self.stream.flush()


def csv_header(frame_ids: tuple[str, ...], key: str = "path", meta: tuple[str, ...] = (),
               evidence: bool = False) -> list[str]:
    """CSV columns: path (or a corpus's id), sha256, n_sentences, the model's name and data hash, the
    metadata fields chosen, then score, present and share per frame, then the article's language
    and whether it was scored; with ``evidence``, then <frame>_evidence per frame."""
    columns = [key, "sha256", "n_sentences", "model", "model_data_sha256", *meta]
    for fid in frame_ids:
        columns += [f"{fid}_score", f"{fid}_present", f"{fid}_share"]
    return columns + ["language", "scored"] + ([f"{fid}_evidence" for fid in frame_ids] if evidence else [])


def csv_fields(row: dict, frame_ids: tuple[str, ...], key: str = "path", meta: tuple[str, ...] = (),
               evidence: bool = False) -> list[str]:
    """A row's CSV fields; an unscored article's scores are empty cells, and missing metadata too.
    With ``evidence``, each frame's evidence sentences in one cell, joined by EVIDENCE_JOIN (line
    breaks inside a sentence become spaces)."""
    fields = [row[key], row["sha256"], str(row["n_sentences"]), row["model"]["name"], row["model"]["data_sha256"]]
    if meta:
        values = row.get("meta") or {}
        fields += [values.get(name, "") for name in meta]
    for fid in frame_ids:
        f = row["frames"][fid]
        if f["present"] is None:
            fields += ["", "", ""]
        else:
            fields += [repr(f["score"]), "true" if f["present"] else "false", repr(f["share"])]
    fields += [row.get("language") or "", "true" if row.get("scored", True) else "false"]
    if evidence:
        found = row.get("evidence") or {}
        fields += [EVIDENCE_JOIN.join(" ".join(e["text"].split()) for e in found.get(fid, ())) for fid in frame_ids]
    return fields


def is_batch_output(path: Path) -> bool:
    """Whether ``path`` is a file `frames batch` wrote (or an empty file): a CSV with its header,
    or JSONL whose first row has a path and a sha256."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20)
    except OSError:
        return False
    if not first.strip():
        return path.stat().st_size == len(first)
    try:
        line = first.decode("utf-8").removeprefix("\ufeff").rstrip("\r\n")  # --excel's byte-order mark
    except UnicodeDecodeError:
        return False
    if line.startswith(("path,sha256,n_sentences", "id,sha256,n_sentences")):
        return True
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return False
    if isinstance(row, dict) and "id" in row and "path" not in row:  # a corpus run's row, not a corpus's own
        return "sha256" in row and "model" in row
    return isinstance(row, dict) and "path" in row and ("sha256" in row or "reason" in row)


def read_done(out: Path, fmt: str, frame_ids: tuple[str, ...], model: ModelIdentity, key: str = "path",
              meta: tuple[str, ...] = (), evidence: bool = False) -> dict[str, str]:
    """path (or id) -> sha256 of the rows already in an output file (the last row of a path wins).

    A last line cut short by an interruption is removed first, so that appending starts clean.
    Rows written by another model are refused: one file holds one model's scores.
    """
    with open(out, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            f.truncate(keep)
            data = data[:keep]
    lines = data.decode("utf-8").removeprefix("\ufeff").splitlines()
    done: dict[str, str] = {}
    if fmt == "csv":
        header = restore_row(next(csv.reader([lines[0]]))) if lines else []
        if len(lines) > 1 and header[:5] == csv_header((), key)[:5]:
            fields = restore_row(next(csv.reader([lines[1]]), []))
            _same_model(out, 2, *(fields[3:5] if len(fields) >= 5 else (None, None)), model)
        if lines and header == csv_header(frame_ids, key, meta)[:-2]:  # before rows named their language
            raise FramesError(f"{out}: written by an older frames, without the language and scored columns; "
                              f"write to a new --out")
        if lines and header != csv_header(frame_ids, key, meta, evidence):
            raise FramesError(f"{out}: its columns are not this run's (the model's frames, a path or id column, "
                              f"--meta {','.join(meta) or '(none)'} and --evidence); write to a new --out")
        for number, line in enumerate(lines[1:], 2):
            fields = restore_row(next(csv.reader([line]), []))
            if len(fields) < 5:
                raise FramesError(f"{out}:{number}: not a row this command wrote; write to a new --out")
            _same_model(out, number, fields[3], fields[4], model)
            done[fields[0]] = fields[1]
    else:
        for number, line in enumerate(lines, 1):
            try:
                row = json.loads(line)
                path, digest, written_by = row[key], row["sha256"], row.get("model") or {}
                name, data = written_by.get("name"), written_by.get("data_sha256")
            except (json.JSONDecodeError, TypeError, KeyError, AttributeError):
                raise FramesError(f"{out}:{number}: not a row this command wrote; write to a new --out") from None
            _same_model(out, number, name, data, model)
            done[path] = digest
    return done


def _same_model(out: Path, number: int, name: object, data: object, model: ModelIdentity) -> None:
    if (name, data) != (model.name, model.data_sha256):
        written = f"model {name!r} (data {str(data)[:12]})" if name else "a model this file does not name"
        raise FramesError(f"{out}:{number}: written by {written}, not by {model.name!r} (data {model.data_sha256[:12]}); "
                          f"resume with the model that wrote it, or write to a new --out")


def compact(out: Path, fmt: str, key: str = "path", order: list[str] | None = None) -> int:
    """Rewrite an output in path order (or in ``order``, a corpus's ids as in the file, rows of ids
    not in it last) with one row per path or id (the last written); returns rows dropped."""
    lines = out.read_text(encoding="utf-8").splitlines()
    header, body = (lines[:1], lines[1:]) if fmt == "csv" else ([], lines)
    latest: dict[str, str] = {}
    for line in body:
        name = next(csv.reader([line]))[0] if fmt == "csv" else json.loads(line)[key]
        latest.pop(name, None)
        latest[name] = line
    if order is None:
        keys = sorted(latest)
    else:
        rank = {name: k for k, name in enumerate(order)}
        keys = sorted(latest, key=lambda name: rank.get(name, len(rank)))  # stable: the rest keep their order
    ordered = header + [latest[k] for k in keys]
    if ordered != lines:
        write_atomic(out, "".join(line + "\n" for line in ordered).encode("utf-8"))
    return len(body) - len(latest)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _outcomes(options: BatchOptions, task: Callable[..., list[Outcome]], chunks: Iterator[list]) -> Iterator[list[Outcome]]:
    """Chunk outcomes in order: ``task(chunk, evidence, parent_pid, any_language)`` (a picklable
    function of batch, e.g. score_chunk with the model and folder bound) run in this process, in
    workers forked from it (--jobs N on Linux, see frames.batch.pool), or through a joblib backend."""
    if options.jobs == 1 and options.backend is None:
        for chunk in chunks:
            yield task(chunk, options.evidence, None, options.any_language)
        return
    from frames.batch.pool import ForkPool, fork_workers_available

    parent = os.getpid()
    if options.backend is None and fork_workers_available():
        with ForkPool(functools.partial(_forked_task, task, options.evidence, parent, options.any_language),
                      options.jobs) as pool:
            yield from pool.map(chunks)
        return
    from joblib import Parallel, delayed, parallel_config

    tasks = (delayed(task)(chunk, options.evidence, parent, options.any_language) for chunk in chunks)
    if options.backend == "dask":
        try:
            from dask.distributed import Client
        except ImportError:
            raise FramesError(f"--backend dask needs the extra: {install_extra('dask')}") from None
        # Creating the client registers it, and joblib's dask backend sends tasks to it.
        with Client(options.scheduler) if options.scheduler else Client(processes=True):
            with parallel_config(backend="dask"):
                yield from Parallel(n_jobs=-1, return_as="generator")(tasks)
        return
    with parallel_config(backend=options.backend or "loky", n_jobs=options.jobs):
        with _spare_workers_ctrl_c():  # the workers start here, with the first tasks
            results = Parallel(return_as="generator", batch_size=1, pre_dispatch="2*n_jobs")(tasks)
        yield from results


def _forked_task(task: Callable[..., list[Outcome]], evidence: int, parent: int, any_language: bool,
                 chunk: list) -> list[Outcome]:
    """What a forked worker runs on a chunk: ``task`` with the run's options, as joblib's workers get it."""
    return task(chunk, evidence, parent, any_language)


@contextmanager
def _spare_workers_ctrl_c() -> Iterator[None]:
    """Block Ctrl-C (SIGINT) while worker processes start, so that they inherit it blocked.

    The terminal sends Ctrl-C to the whole process group: a worker still importing would die with
    a traceback. Blocked there, it never sees it; the parent stops the workers (and they exit with
    it, see watch_parent). In the parent the signal is only held back: it arrives once unblocked.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    from multiprocessing import resource_tracker

    # Started inside the window, the standard library's resource tracker would unblock SIGINT
    # (it restores with SIG_UNBLOCK); the workers need it anyway, so start it first.
    resource_tracker.ensure_running()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run_batch(options: BatchOptions, stream: TextIO | None = None,
              progress: Callable[[int, int | None], None] | None = None) -> BatchSummary:
    """Score every article under options.root (a folder, or a corpus file) and write one row each;
    see the module docstring and frames.batch.corpus.

    ``stream`` (default: standard output) receives JSONL when options.out is None. ``progress(done, total)`` is called as
    articles finish (total is None for a corpus, read as it goes).
    """
    started = time.perf_counter()
    out = options.out
    if out is not None:
        if options.resume and out.exists():
            if not is_batch_output(out):
                raise FramesError(f"{out}: is {describe(out)}, not a batch output; --resume continues only a file "
                                  f"`frames batch` wrote. Give another --out")
            check_writable(out.parent, out)
        else:
            check_target(out, options.force, "a batch output", is_batch_output)
        errors = errors_path(out)  # rewritten by a resumed run too: never over a file batch did not write
        if errors.exists() and not is_batch_output(errors):
            raise FramesError(f"{errors}: is {describe(errors)}, not a batch errors file; move it or give another --out")
    model = load_model(options.model)
    model_path = str(model.path)
    _MODELS[model_path] = model  # in-process work (--jobs 1) uses this one
    if options.jobs == 1 and options.backend is None:
        keep_freed_memory()
    corpus = folder_meta = None
    renamed = dict(meta_pairs(options.meta))  # field read -> name kept
    sources = tuple(renamed)
    if is_corpus(options.root):
        from frames.batch.corpus import CorpusSource

        corpus = CorpusSource(options.root, options.text_field, options.id_field, sources)
        paths, problems = [], []
    else:
        paths, problems = find_articles(options.root, options.pattern, options.recursive)
        if options.meta_file is not None:
            from frames.batch.corpus import read_meta_file

            folder_meta = read_meta_file(options.meta_file, sources)
    key = "id" if corpus else "path"
    meta_fields = tuple(renamed.get(f, f) for f in (folder_meta.fields if folder_meta else sources))
    if options.strict and problems:  # a broken link or a loop is a file that cannot be scored too
        raise FramesError(f"{problems[0].path}: {problems[0].reason} (stopped by --strict)")
    done: dict[str, str] = {}
    if options.resume and out is not None and out.exists():
        done = read_done(out, options.format, model.frames, model.identity, key, meta_fields, bool(options.evidence))
    if corpus is not None:
        from frames.batch.corpus import score_documents

        total, task = None, functools.partial(score_documents, model_path)
        chunks = corpus.chunks(done, CHUNK_ARTICLES)
    else:
        work = [(p, done.get(p)) for p in paths]
        total, task = len(work), functools.partial(score_chunk, model_path, str(options.root))
        chunks = _chunks(work, CHUNK_ARTICLES)
    skipped: list[Skipped] = []
    errors = errors_path(out) if out is not None else None
    scored = unchanged = size = not_scored = 0
    appending = bool(options.resume and out is not None and out.exists())
    target = open(out, "a" if appending else "w", encoding="utf-8", newline="") if out is not None else None
    sidecar = open(errors, "w", encoding="utf-8") if errors is not None else None
    try:
        writer = RowWriter(target or stream or sys.stdout, options.format, model.frames,
                           header=not (appending and out.stat().st_size > 0), key=key, meta=meta_fields,
                           evidence=bool(options.evidence), excel=options.excel)
        for problem in problems:
            skipped.append(problem)
            _record(sidecar, problem)
        finished = 0
        if progress:
            progress(0, total)
        for outcomes in _outcomes(options, task, chunks):
            for outcome in outcomes:
                finished += 1
                if outcome.skipped:
                    skipped.append(outcome.skipped)
                    _record(sidecar, outcome.skipped)
                    if options.strict:
                        raise FramesError(f"{outcome.skipped.path}: {outcome.skipped.reason} (stopped by --strict)")
                elif outcome.unchanged:
                    unchanged += 1
                else:
                    if meta_fields:
                        from frames.batch.corpus import with_meta

                        meta = corpus.meta(outcome.path) if corpus else folder_meta.get(outcome.path)
                        writer.write(with_meta(outcome.row, {renamed.get(k, k): v for k, v in meta.items()}))
                    else:
                        writer.write(outcome.row)
                    scored += 1
                    not_scored += not outcome.row["scored"]
                    size += outcome.size
            if progress:
                progress(finished, total)
        if corpus is not None and corpus.repeats is not None:  # identical rows: one line, not one per row
            skipped.append(corpus.repeats)
            _record(sidecar, corpus.repeats)
    finally:
        for stream in (target, sidecar):
            if stream:
                close_synced(stream)
        if errors is not None and not skipped:
            errors.unlink(missing_ok=True)  # nothing skipped: no empty errors file left behind
            errors = None
        if out is not None:
            sync_folder(out.parent)  # the new output and sidecar names survive a crash too
    replaced = compact(out, options.format, key, corpus.order if corpus else None) if appending else 0
    return BatchSummary(scored=scored, unchanged=unchanged, replaced=replaced, skipped=tuple(skipped),
                        seconds=time.perf_counter() - started, bytes=size, out=out, errors_file=errors,
                        not_scored=not_scored)


def _record(sidecar: TextIO | None, problem: Skipped) -> None:
    if sidecar is not None:
        sidecar.write(json.dumps({"path": problem.path, "reason": problem.reason}, ensure_ascii=False) + "\n")
        sidecar.flush()

