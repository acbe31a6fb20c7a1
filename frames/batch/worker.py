"""What a batch worker runs: read, split and score a chunk of articles, and the results it hands back.

Imported by frames.batch.run (the parent: finding articles, writing rows, resuming) and by
frames.batch.corpus (corpus documents); it imports neither. Each worker process loads the model
once (``_worker_model``) and exits when the process that started it dies (``watch_parent``).
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from frames.text.articles import decode_article, read_article_bytes
from frames.errors import ArticleError
from frames.model.scoring import Model, ModelIdentity, load_model
from frames.text.language import Language, detect_language, unscored_reason
from frames.model.profile import ArticleResult, FrameProfile, unscored_result
from frames.text.sentences import Sentence, split_sentences

WATCHDOG_SECONDS = 0.5  # how often a worker checks that the process that started it is alive


@dataclass(frozen=True)
class Skipped:
    """An article or folder that was not scored, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Outcome:
    """What became of one article: a row, a skip, or unchanged since the output last had it."""

    path: str
    row: dict | None = None
    skipped: Skipped | None = None
    unchanged: bool = False
    size: int = 0


def article_row(path: str, digest: str, n_sentences: int, profiles: tuple[FrameProfile, ...],
                model: ModelIdentity, result: ArticleResult | None = None, evidence: int = 0,
                language: Language | None = None, scored: bool = True, key: str = "path") -> dict:
    """The output row of one scored article: its profile as `frames classify` computes it, the
    model that scored it, its language, and with ``result`` and ``evidence`` the top evidence
    sentences of each frame. An article left unscored (``scored`` False) has null scores."""
    row = {
        key: path,
        "sha256": digest,
        "n_sentences": n_sentences,
        "language": language.code if language is not None else None,
        "scored": scored,
        "frames": {f.id: {"score": f.score, "present": f.present, "share": f.share} for f in profiles},
        "model": {"name": model.name, "data_sha256": model.data_sha256},
    }
    if result is not None and evidence:
        row["evidence"] = {
            f.id: [{"index": i, "start": result.sentences[i].start, "end": result.sentences[i].end,
                    "score": result.sentences[i].scores[j], "text": result.sentences[i].text}
                   for i in f.evidence[:evidence]]
            for j, f in enumerate(profiles)
        }
    return row


_MODELS: dict[str, Model] = {}


def _worker_model(model_path: str) -> Model:
    """The model, loaded once per process (each worker keeps its own)."""
    if model_path not in _MODELS:
        keep_freed_memory()
        _MODELS[model_path] = load_model(model_path)
        # What start-up made (modules, the model) lives as long as the worker: out of the cyclic
        # garbage collector's passes, which then walk only the chunks' objects.
        gc.freeze()
    return _MODELS[model_path]


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory instead of returning it to the system at once.

    Scoring allocates numpy temporaries of a few MB per chunk; by default glibc hands them back
    after each chunk and the next chunk page-faults them in again, which cost about a third of
    the scoring time here. Called only in processes that batch scoring owns; elsewhere a no-op.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 256 * 2**20)  # M_TRIM_THRESHOLD
        libc.mallopt(-3, 32 * 2**20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


_WATCHED: set[int] = set()


def watch_parent(parent_pid: int) -> None:
    """In a worker process started by ``parent_pid``, exit as soon as that process dies.

    A killed `frames batch` must not leave workers behind: they would go on for minutes and
    keep the caller's pipes open. Started once per process; a no-op in the parent itself and in
    processes someone else started (a Dask worker).
    """
    if parent_pid in _WATCHED or os.getpid() == parent_pid or os.getppid() != parent_pid:
        return
    _WATCHED.add(parent_pid)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCHDOG_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="frames-parent-watchdog", daemon=True).start()


def score_chunk(model_path: str, root: str, items: list[tuple[str, str | None]], evidence: int,
                parent_pid: int | None = None, any_language: bool = False) -> list[Outcome]:
    """Read, split and score a chunk of articles; ``items`` pairs each path with the hash already
    in the output (None if none), and an article whose hash matches is not scored again. An
    article in another language than the model's gets a row with no scores, unless ``any_language``."""
    if parent_pid is not None:
        watch_parent(parent_pid)
    model = _worker_model(model_path)
    texts: list[Outcome | ArticleText] = []
    for path, known in items:
        try:
            data = read_article_bytes(Path(root) / path)
        except ArticleError as exc:
            texts.append(Outcome(path, skipped=Skipped(path, _reason(exc, root, path))))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest == known:
            texts.append(Outcome(path, unchanged=True, size=len(data)))
            continue
        try:
            texts.append(ArticleText(path, path, digest, len(data), decode_article(data, path).text))
        except ArticleError as exc:
            texts.append(Outcome(path, skipped=Skipped(path, _reason(exc, root, path))))
    return score_texts(model, texts, evidence, any_language)


@dataclass(frozen=True)
class ArticleText:
    """An article read and decoded, on its way to be scored.

    key: what its row is named by (a path, or a corpus id); where: how a skip names it (the path,
    or FILE:LINE in a corpus); digest: the sha256 of its bytes; size: its bytes.
    """

    key: str
    where: str
    digest: str
    size: int
    text: str


def score_texts(model: Model, texts: list[Outcome | ArticleText], evidence: int, any_language: bool = False,
                key: str = "path") -> list[Outcome]:
    """Split and score a chunk's articles in one pass, their rows named by ``key``; outcomes already
    settled (skipped, unchanged) pass through, all in the order given."""
    identity = model.identity
    outcomes: list[Outcome | None] = []
    pending: list[tuple[int, str, str, int, Language]] = []  # slot, key, sha256, bytes, language
    split: list[list[Sentence]] = []
    for item in texts:
        if isinstance(item, Outcome):
            outcomes.append(item)
            continue
        path, digest, text = item.key, item.digest, item.text
        sentences = split_sentences(text)
        if not sentences:
            outcomes.append(Outcome(path, skipped=Skipped(item.where, "no sentences found")))
            continue
        language = detect_language(text)
        why = None if any_language else unscored_reason(language, model.language)
        if why is not None:
            result = unscored_result(sentences, model.frames, model.frame_names, model.thresholds, language, why)
            row = article_row(path, digest, len(sentences), result.frames, identity, result, evidence, language, False,
                              key)
            outcomes.append(Outcome(path, row=row, size=item.size))
            continue
        pending.append((len(outcomes), path, digest, item.size, language))
        split.append(sentences)
        outcomes.append(None)
    if evidence:
        rows = [article_row(path, digest, len(result.sentences), result.frames, identity, result, evidence, language,
                            key=key)
                for (_, path, digest, _, language), result in zip(pending, model.profiles(split, top=evidence))]
    else:
        rows = [article_row(path, digest, len(sentences), profiles, identity, language=language, key=key)
                for (_, path, digest, _, language), sentences, profiles in zip(pending, split, model.summaries(split))]
    for (slot, path, _, size, _), row in zip(pending, rows):
        outcomes[slot] = Outcome(path, row=row, size=size)
    return [o for o in outcomes if o is not None]


def _reason(error: ArticleError, root: str, path: str) -> str:
    """The error's message without the path it starts with (rows carry the path already)."""
    message = str(error)
    for prefix in (f"{Path(root) / path}: ", f"{path}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
