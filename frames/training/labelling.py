"""Labelling: which sentences (or articles) to offer, and answers saved the moment they are given.

The command line draws the prompts and reads lines; this module reads articles and corpora,
decides the order (reading order, a seeded random sample, or the sentences the model is least
sure about), skips what is labelled already, turns each typed line into an answer, appends it to
the labels file with an fsync, and undoes the last answer by rewriting the file. Sentences from
a corpus are saved as references (corpus, document, offsets, hash), never as copied text.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from frames.text.articles import read_article
from frames.text.corpus import Document, is_corpus, read_corpus
from frames.errors import ArticleError, FramesError
from frames.labels.labelfile import LabelFile
from frames.labels.store import label_files, normalise, read_label_file
from frames.labels.references import REGISTRY_FILE, find_registry, load_registry, reference, register_corpus, span_hash
from frames.text.sentences import split_sentences

UNCERTAINTY_RULE = "the smallest distance |p - threshold| over the frames: closest to a decision first"
KEYS = "123456789abcdefghijklmnoprtvwxyz"  # frame keys; q, s and u are commands
HELP = "type the keys of the frames it carries then Enter (e.g. 13), 0 for none, s skip, u undo, q quit, ? help"


@dataclass(frozen=True)
class Candidate:
    """A sentence to label, with its neighbours for context and where it comes from.

    For a sentence of a registered corpus, ``corpus``, ``doc``, ``start`` and ``end`` locate it
    in the document's text, and the answer is saved as a reference.
    """

    text: str
    source: str
    before: str
    after: str
    corpus: str | None = None
    doc: str | None = None
    start: int = 0
    end: int = 0
    document: str = field(default="", repr=False)  # the corpus document's text, to hash the span


@dataclass(frozen=True)
class ArticleCandidate:
    """A whole article to label with the frames it pushes."""

    text: str
    source: str
    corpus: str | None = None


@dataclass(frozen=True)
class Source:
    """One article to label from: its text, the name rows give as source, and its corpus if any."""

    text: str
    source: str
    corpus: str | None = None


def read_sources(paths: list[Path], labels_file: Path, text_field: str = "text", id_field: str = "id",
                 pattern: str = "*.txt") -> tuple[list[Source], list[str]]:
    """The articles at ``paths``: text files, folders of them (searched recursively), and corpus
    files (JSONL/CSV, one article a row). A corpus not yet in the registry beside the labels is
    registered, so its rows can be saved as references. Unreadable rows and files are reported.

    A path that does not exist is an error: a typo must not look like "nothing to label".
    """
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise FramesError(f"{missing[0]}: no such file or folder")
    sources: list[Source] = []
    problems: list[str] = []
    for path in paths:
        if path.is_file() and is_corpus(path):
            corpus = corpus_name(path, labels_file, text_field, id_field)
            for item in read_corpus(path, text_field, id_field):
                if isinstance(item, Document):
                    sources.append(Source(item.text, item.id, corpus))
                else:
                    problems.append(str(item))
            continue
        files = sorted(p for p in path.rglob(pattern) if p.is_file()) if path.is_dir() else [path]
        for file in files:
            try:
                sources.append(Source(read_article(file).text, file.name))
            except ArticleError as exc:
                problems.append(str(exc))
    return sources, problems


def corpus_name(path: Path, labels_file: Path, text_field: str, id_field: str) -> str:
    """The registry name of a corpus file, registering it beside the labels when it is new."""
    registry = find_registry(labels_file.parent) or _labels_root(labels_file) / REGISTRY_FILE
    entries = load_registry(registry)
    for name, entry in entries.items():
        if entry.path.resolve() == path.resolve():
            if (entry.text_field, entry.id_field) != (text_field, id_field):
                raise FramesError(f"{path}: registered in {registry} with text field {entry.text_field!r} and id field "
                                  f"{entry.id_field!r}; give those (--text-field, --id-field)")
            return name
    stem = path.name.split(".")[0]
    name = stem if stem not in entries else next(f"{stem}-{i}" for i in range(2, 1000) if f"{stem}-{i}" not in entries)
    register_corpus(registry, name, path, text_field, id_field)
    return name


def _labels_root(labels_file: Path) -> Path:
    """The labels folder a labels file belongs to: the nearest folder up with a codebook, else its own folder."""
    for folder in (labels_file.parent, *labels_file.parent.parents):
        if (folder / "codebook.json").is_file():
            return folder
    return labels_file.parent


def sentence_candidates(sources: list[Source]) -> list[Candidate]:
    """Every sentence of the articles, in reading order, with its neighbours."""
    candidates: list[Candidate] = []
    for item in sources:
        sentences = split_sentences(item.text)
        texts = [s.text for s in sentences]
        for i, s in enumerate(sentences):
            before, after = texts[i - 1] if i else "", texts[i + 1] if i + 1 < len(texts) else ""
            if item.corpus is None:
                candidates.append(Candidate(s.text, item.source, before, after))
            else:
                candidates.append(Candidate(s.text, item.source, before, after, item.corpus, item.source,
                                            s.start, s.end, item.text))
    return candidates


def labelled_texts(files: list[Path]) -> set[str]:
    """Normalised texts of every sentence already in these label files (those that exist)."""
    seen: set[str] = set()
    for file in files:
        if file.is_file():
            seen.update(normalise(s.text) for s in read_label_file(file)[0])
    return seen


def to_label(candidates: list[Candidate], done: set[str]) -> list[Candidate]:
    """Candidates not yet labelled, each sentence once."""
    out, seen = [], set(done)
    for c in candidates:
        key = normalise(c.text)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def most_uncertain(candidates: list[Candidate], model, n: int) -> list[Candidate]:
    """The n candidates the model is least sure about, by UNCERTAINTY_RULE (ties: reading order)."""
    if not candidates or n <= 0:
        return []
    probabilities = model.predict_proba([c.text for c in candidates])
    distance = np.abs(probabilities - model.thresholds).min(axis=1)
    order = np.argsort(distance, kind="stable")[:n]
    return [candidates[i] for i in order]


def random_sample(items: list, n: int, seed: int) -> list:
    """n items drawn uniformly without replacement by a seeded generator: the same seed, the same sample."""
    if n <= 0:
        return []
    return random.Random(seed).sample(items, min(n, len(items)))


def sentence_row(candidate: Candidate, frames: list[str], sample: str | None, annotator: str | None) -> dict:
    """The labels row of an answer: a reference for corpus sentences, the text inline otherwise."""
    if candidate.corpus is not None:
        row = reference(candidate.corpus, candidate.doc, candidate.document, candidate.start, candidate.end)
    else:
        row = {"text": candidate.text}
    row.update(frames=sorted(frames), source=candidate.source)
    if sample:
        row["sample"] = sample
    if annotator:
        row["annotator"] = annotator
    return row


def article_row(candidate: ArticleCandidate, frames: list[str], annotator: str | None) -> dict:
    """The article-labels row of an answer: a reference to the whole document, or its text inline."""
    if candidate.corpus is not None:
        row: dict = {"corpus": candidate.corpus, "doc": candidate.source, "sha": span_hash(candidate.text)}
    else:
        row = {"text": candidate.text, "source": candidate.source}
    row["frames"] = sorted(frames)
    if annotator:
        row["annotator"] = annotator
    return row


@dataclass(frozen=True)
class Reply:
    """What the session made of one typed line.

    kind: "saved", "skipped" or "undone" (move to the session's current item), "quit", or
    "again" (ask the same item again, showing ``message``).
    """

    kind: str
    message: str = ""


class LabelSession:
    """Walks through candidates, one typed line at a time; answers go to the file at once.

    A line is a whole answer: the keys of the frames the item carries (e.g. "13"), "0" for none,
    "s" to skip, "u" to undo the last answer, "q" to quit, "?" for help. An empty line asks again.
    """

    def __init__(self, candidates: list, file: LabelFile, annotator: str | None = None,
                 frame_ids: tuple[str, ...] = (), sample: str | None = None):
        if len(frame_ids) > len(KEYS):
            raise FramesError(f"{len(frame_ids)} frames, more than the {len(KEYS)} keys the labeller has")
        self.candidates = candidates
        self.file = file
        self.annotator = annotator
        self.sample = sample
        self.keys = dict(zip(KEYS, frame_ids))
        self.position = 0
        self.saved = 0
        self._history: list[tuple[int, bool]] = []  # (position, whether an answer was written)

    @property
    def done(self) -> bool:
        return self.position >= len(self.candidates)

    @property
    def current(self):
        return self.candidates[self.position]

    @property
    def help(self) -> str:
        first, last = KEYS[0], KEYS[len(self.keys) - 1]
        return f"keys {first}-{last}: " + HELP

    def handle(self, line: str) -> Reply:
        """Act on one typed line (see the class docstring)."""
        command = line.strip().lower().replace(" ", "")
        if command == "q":
            return Reply("quit")
        if command == "s":
            self.skip()
            return Reply("skipped")
        if command == "u":
            return Reply("undone") if self.undo() else Reply("again", "nothing to undo")
        if command == "?":
            return Reply("again", self.help)
        if command == "":
            return Reply("again", "type the keys of its frames, or 0 for no frame, then Enter")
        if command == "0":
            self.answer([])
            return Reply("saved")
        unknown = [ch for ch in command if ch not in self.keys]
        if unknown:
            return Reply("again", f"unknown key {unknown[0]!r}; {self.help}")
        self.answer(sorted({self.keys[ch] for ch in command}))
        return Reply("saved")

    def answer(self, frames: list[str]) -> None:
        """Save the frames of the current item ([] for none) and move on."""
        item = self.current
        if isinstance(item, ArticleCandidate):
            row = article_row(item, frames, self.annotator)
        else:
            row = sentence_row(item, frames, self.sample, self.annotator)
        self.file.append(row)
        self.saved += 1
        self._history.append((self.position, True))
        self.position += 1

    def skip(self) -> None:
        """Move on without saving anything."""
        self._history.append((self.position, False))
        self.position += 1

    def undo(self) -> bool:
        """Go back one step, removing its answer from the file if it saved one; False at the start."""
        if not self._history:
            return False
        position, wrote = self._history.pop()
        if wrote:
            if self.file.remove_last() is None:
                raise FramesError(f"{self.file.path}: the answer to undo is no longer in the file")
            self.saved -= 1
        self.position = position
        return True


def label_files_near(labels_file: Path) -> list[Path]:
    """The labels file and every other label file in its folder tree (to skip labelled sentences)."""
    folder = labels_file.parent
    files = label_files(folder) if folder.is_dir() else []
    return sorted(set(files) | {labels_file})


def labelled_articles(labels_file: Path) -> set[str]:
    """Sources (document ids or names) of the articles already in an article-labels file."""
    done: set[str] = set()
    if labels_file.is_file():
        for line in labels_file.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                done.add(str(row.get("doc") or row.get("source")))
    return done


def plan(sources: list[Source], labels_file: Path, mode: str, n: int = 0, seed: int = 0, model=None,
         articles: bool = False) -> list:
    """What to offer, in order: every unlabelled sentence (mode "whole", reading order), a seeded
    random sample of n ("random"), or the n the model is least sure about ("uncertain"); with
    ``articles``, whole articles instead of sentences (whole or random)."""
    if articles:
        done = labelled_articles(labels_file)
        items = [ArticleCandidate(s.text, s.source, s.corpus) for s in sources if s.source not in done]
        if mode == "uncertain":
            raise FramesError("--uncertain picks sentences; with --articles use --random N or label them all")
        return random_sample(items, n, seed) if mode == "random" else items
    candidates = to_label(sentence_candidates(sources), labelled_texts(label_files_near(labels_file)))
    if mode == "random":
        return random_sample(candidates, n, seed)
    if mode == "uncertain":
        return most_uncertain(candidates, model, n)
    return candidates

