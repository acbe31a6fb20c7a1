"""Writing report pages: one article to one file, or several to a folder with an index page.

Several articles are files, folders of them, or the articles a `frames batch` result lists
(``--articles``): by path in the folder it scored, or by id in the corpus file it scored.

Every file is written atomically (frames.files.atomic), and only over a report that frames wrote: an
existing page or folder needs --force, and anything else at the place is refused even with it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from frames.text.articles import Article, decode_article, read_article, read_article_bytes
from frames.files.atomic import write_atomic
from frames.files.spreadsheet import restore_row
from frames.errors import ArticleError, FramesError
from frames.model.explain import frame_indexes
from frames.model.scoring import Model
from frames.text.language import unscored_reason
from frames.files.outputs import check_target, check_writable, describe
from frames.show.report import GENERATOR, INDEX_KIND, PAGE_KIND, IndexEntry, build_report, now, render_index, render_page

INDEX = "index.html"
_MARKER_BYTES = 4096  # the generator <meta> sits in the first lines of every page
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
NAME_CHARS = 60  # the most of an id kept in its page's file name (the end, where ids differ)


@dataclass(frozen=True)
class CorpusReport:
    """What a corpus report wrote: its folder, one page per article, the index page, and the articles skipped.

    pages: (article path, page file) in the order given; skipped: (article path, reason);
    unscored: (article path, why) of the pages without scores, their text not in the model's language;
    anyway: (article path, why it should not have been) of those scored all the same (any_language).
    """

    folder: Path
    pages: tuple[tuple[str, Path], ...]
    index: Path
    skipped: tuple[tuple[str, str], ...]
    unscored: tuple[tuple[str, str], ...] = ()
    anyway: tuple[tuple[str, str], ...] = ()


def is_report(path: Path, kind: str = PAGE_KIND) -> bool:
    """Whether ``path`` is a report page (or index) that frames wrote: its generator <meta> says so."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_MARKER_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR} {kind} ' in head


def is_report_folder(path: Path) -> bool:
    """Whether ``path`` is a folder that a corpus report wrote: its index.html is a frames report index."""
    return path.is_dir() and is_report(path / INDEX, INDEX_KIND)


def check_page_target(out: Path, force: bool) -> None:
    """Refuse to write a page at ``out`` unless it is new, or a report page and ``force`` is given."""
    check_target(out, force, "a frames report page", lambda p: p.is_file() and is_report(p, PAGE_KIND))


def check_folder_target(out: Path, force: bool, names: list[str] = ()) -> None:
    """Refuse a corpus report folder unless it is new or empty, or a report folder and ``force`` is given.

    Inside an existing report folder, every file about to be written (``names``) must be a page
    frames wrote: a user's own file there is refused even with ``force``.
    """
    out = Path(out)
    if out.is_dir() and not out.is_symlink() and not any(out.iterdir()):
        check_writable(out, out)
        return
    check_target(out, force, "a frames report folder", is_report_folder, folder=True)
    if not out.is_dir():
        return
    for name in names:
        target = out / name
        kind = INDEX_KIND if name == INDEX else PAGE_KIND
        if (target.exists() or target.is_symlink()) and not (target.is_file() and is_report(target, kind)):
            raise FramesError(f"{target}: is {describe(target)}, not a frames report page; frames replaces only its "
                              f"own pages, even with --force. Move it, or give another --out")


def write_article_report(model: Model, article: Article, out: Path, force: bool = False, top: int = 5,
                         created: str | None = None, any_language: bool = False) -> Path:
    """Write one article's report page to ``out`` (checked first, replaced atomically); returns ``out``."""
    out = Path(out)
    check_page_target(out, force)
    write_atomic(out, article_page(model, article, top, created, any_language).encode("utf-8"))
    return out


def article_page(model: Model, article: Article, top: int = 5, created: str | None = None,
                 any_language: bool = False) -> str:
    """One article's report page as HTML text; "not scored (LANGUAGE)" for an article in another language
    than the model's, unless ``any_language``."""
    return render_page(build_report(model, article, top, created, any_language))


def report_inputs(paths: list[Path], pattern: str = "*.txt") -> list[tuple[Path, str]]:
    """Each article file named, folders expanded to their ``pattern`` files (recursively, in path order).

    Returns (file, name shown): a file as given, or a folder's file relative to that folder.
    """
    files: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob(pattern) if p.is_file())
            if not found:
                raise FramesError(f"{path}: no {pattern} files in this folder; give article files or another folder")
            files.extend((p, p.relative_to(path).as_posix()) for p in found)
        elif path.exists():
            files.append((path, str(path)))
        else:
            raise ArticleError(f"{path}: no such file")
    return files


def page_names(files: list[Path]) -> list[str]:
    """A distinct page file name per article, from its file name (index.html is kept for the index)."""
    return _distinct_names([file.stem or "article" for file in files])


def write_corpus_report(model: Model, paths: list[Path], out: Path, sort_by: str | None = None,
                        force: bool = False, top: int = 5, created: str | None = None,
                        any_language: bool = False) -> CorpusReport:
    """Write one page per article and an index page sorted by ``sort_by``'s score into the folder ``out``.

    Articles that cannot be read or hold no sentences are skipped and listed, as `frames batch` does.
    """
    if sort_by is not None:
        frame_indexes(model, sort_by)  # an unknown frame is refused before any work
    files = report_inputs(paths)
    names = page_names([file for file, _ in files])
    pending = [PendingPage(str(file), shown, name, lambda file=file: read_article(file))
               for (file, shown), name in zip(files, names)]
    return write_pages(model, pending, out, sort_by, force, top, created, any_language)


@dataclass(frozen=True)
class PendingPage:
    """An article about to get a page: its label (path or id), the name the index shows, the page's
    file name, and how to read it (raising ArticleError when it cannot be)."""

    label: str
    shown: str
    name: str
    read: Callable[[], Article] = field(repr=False)


def write_pages(model: Model, pending: list[PendingPage], out: Path, sort_by: str | None = None,
                force: bool = False, top: int = 5, created: str | None = None,
                any_language: bool = False) -> CorpusReport:
    """Write each article's page and the index into the folder ``out``, skipping (and listing) the
    articles that cannot be read. An article in another language than the model's gets a page and an
    index row saying "not scored (LANGUAGE)", unless ``any_language``."""
    out = Path(out)
    check_folder_target(out, force, [*(p.name for p in pending if p.name), INDEX])
    out.mkdir(parents=True, exist_ok=True)
    created = created or now()
    entries: list[IndexEntry] = []
    pages: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []
    unscored: list[tuple[str, str]] = []
    anyway: list[tuple[str, str]] = []
    for page in pending:
        try:
            report = build_report(model, page.read(), top, created, any_language)
        except ArticleError as exc:
            skipped.append((page.label, str(exc)))
            continue
        write_atomic(out / page.name, render_page(report, INDEX).encode("utf-8"))
        entries.append(IndexEntry(quote(page.name), page.shown, len(report.result.sentences), report.result.frames,
                                  report.not_scored))
        pages.append((page.label, out / page.name))
        if not report.result.scored:
            unscored.append((page.label, report.result.unscored))
        elif report.result.language is not None and unscored_reason(report.result.language, model.language):
            anyway.append((page.label, unscored_reason(report.result.language, model.language)))
    if not entries:
        first = f" (first: {skipped[0][1]})" if skipped else ""
        raise FramesError(f"none of the {len(pending)} articles could be scored{first}")
    index = render_index(entries, sort_by, model.identity, str(model.data.training.get("trained_at", "")), created)
    write_atomic(out / INDEX, index.encode("utf-8"))
    return CorpusReport(out, tuple(pages), out / INDEX, tuple(skipped), tuple(unscored), tuple(anyway))


@dataclass(frozen=True)
class ResultRow:
    """One article of a batch result: its path or id, the sha256 batch scored, its scores per frame, its title if kept."""

    key: str
    sha256: str
    scores: dict[str, float | None]
    title: str | None = None


def read_batch_result(path: str | Path) -> tuple[str, list[ResultRow]]:
    """The articles a `frames batch` output lists (JSONL or CSV), in its order, the last row of a key
    winning; and whether they are named by "path" (a folder's) or "id" (a corpus's)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: `frames batch --excel` starts with a byte-order mark
    except FileNotFoundError:
        raise FramesError(f"{path}: no such file; give a file `frames batch` wrote") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FramesError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    rows: dict[str, ResultRow] = {}
    kind = None
    if path.suffix.lower() == ".csv":
        csv.field_size_limit(sys.maxsize)
        table = map(restore_row, csv.reader(text.splitlines()))  # cells as they were before neutralising
        header = next(table, [])
        kind = header[0] if header[:2] in (["path", "sha256"], ["id", "sha256"]) else None
        if kind is None:
            raise FramesError(f"{path}: not a `frames batch` CSV (it starts with path or id, then sha256)")
        frames = [c[:-len("_score")] for c in header if c.endswith("_score")]
        for number, fields in enumerate(table, 2):
            if len(fields) != len(header):
                raise FramesError(f"{path}:{number}: not a row `frames batch` wrote")
            cells = dict(zip(header, fields))
            scores = {f: float(cells[f"{f}_score"]) if cells[f"{f}_score"] else None for f in frames}
            rows.pop(fields[0], None)
            rows[fields[0]] = ResultRow(fields[0], fields[1], scores, cells.get("title") or None)
        return kind, list(rows.values())
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            key = "path" if "path" in row else "id"
            name, digest = row[key], row["sha256"]
            scores = {f: v["score"] for f, v in row["frames"].items()}
            title = (row.get("meta") or {}).get("title")
        except (json.JSONDecodeError, TypeError, KeyError, AttributeError):
            raise FramesError(f"{path}:{number}: not a row `frames batch` wrote (it needs a path or id, sha256 and "
                              f"frames)") from None
        if kind is not None and key != kind:
            raise FramesError(f"{path}:{number}: names its article by {key}, the rows before by {kind}; "
                              f"one result, one kind of input")
        kind = key
        rows.pop(name, None)
        rows[name] = ResultRow(name, digest, scores, title if isinstance(title, str) else None)
    if kind is None:
        raise FramesError(f"{path}: no rows; give a file `frames batch` wrote")
    return kind, list(rows.values())


def slug_names(keys: list[str]) -> list[str]:
    """A distinct, safe page file name per id: its last NAME_CHARS letters, digits, dots and dashes."""
    return _distinct_names([_UNSAFE.sub("-", key).strip("-.")[-NAME_CHARS:].lstrip("-.") or "article" for key in keys])


def _distinct_names(stems: list[str]) -> list[str]:
    """STEM.html per stem, numbered STEM-2.html, ... where a name is taken (index.html is kept for the index)."""
    taken = {INDEX}
    names = []
    for stem in stems:
        name, n = f"{stem}.html", 1
        while name in taken:
            n += 1
            name = f"{stem}-{n}.html"
        taken.add(name)
        names.append(name)
    return names


def write_batch_report(model: Model, result: str | Path, source: str | Path, out: Path, sort_by: str | None = None,
                       limit: int | None = None, force: bool = False, top: int = 5, text_field: str = "text",
                       id_field: str = "id", created: str | None = None, any_language: bool = False) -> CorpusReport:
    """One page per article a batch result lists, read from ``source`` (the folder or corpus file it
    scored), and the index; with ``limit`` only the articles with the highest batch scores for
    ``sort_by``. An article missing from ``source``, or changed since it was scored, is skipped and listed."""
    from frames.text.corpus import is_corpus

    if limit is not None and sort_by is None:
        raise FramesError("--limit keeps the articles with the highest scores: say for which frame with --sort-by")
    if sort_by is not None:
        frame_indexes(model, sort_by)
    kind, rows = read_batch_result(result)
    source = Path(source)
    corpus = is_corpus(source)
    if kind == "path" and (corpus or not source.is_dir()):
        raise FramesError(f"{result} names articles by path: give the folder `frames batch` scored, not {source}")
    if kind == "id" and not (corpus and source.is_file()):
        raise FramesError(f"{result} names articles by id: give the corpus file `frames batch` scored, not {source}")
    if sort_by is not None and limit is not None:
        rows = sorted(rows, key=lambda r: -(r.scores.get(sort_by) or 0.0))[:limit]
    if kind == "path":
        names = page_names([Path(r.key) for r in rows])
        pending = [PendingPage(r.key, r.key, name, lambda r=r: _checked(r, read_article_bytes(source / r.key), r.key))
                   if (source / r.key).is_file() else _missing(PendingPage(r.key, r.key, name, lambda: None), f"not in {source}")
                   for r, name in zip(rows, names)]
    else:
        pending = corpus_pages(source, text_field, id_field, rows)
    return write_pages(model, pending, out, sort_by, force, top, created, any_language)


def corpus_pages(source: Path, text_field: str = "text", id_field: str = "id",
                 rows: list[ResultRow] | None = None) -> list[PendingPage]:
    """Pages for the documents of a corpus file: those ``rows`` list (checked against the hash batch
    scored), or every one, its bad rows listed as skipped (FILE:LINE)."""
    from frames.text.corpus import Document, read_corpus

    wanted = None if rows is None else {r.key for r in rows}
    found: dict[str, str] = {}
    titles: dict[str, str] = {}
    problems = []
    for d in read_corpus(source, text_field, id_field, ("title",)):
        if not isinstance(d, Document):
            problems.append(d)
        elif wanted is None or d.id in wanted:
            found[d.id] = d.text
            titles[d.id] = d.meta.get("title", "")
    if rows is None:
        rows = [ResultRow(key, "", {}, titles[key] or None) for key in found]
    pending = []
    for r, name in zip(rows, slug_names([r.key for r in rows])):
        shown = f"{r.title} ({r.key})" if r.title else r.key
        if r.key not in found:
            pending.append(_missing(PendingPage(r.key, shown, name, lambda: None), f"no document with this id in {source}"))
            continue
        data = found[r.key].encode("utf-8", errors="replace")
        read = (lambda r=r, data=data: _checked(r, data, r.key)) if r.sha256 else (lambda r=r, data=data: decode_article(data, r.key))
        pending.append(PendingPage(r.key, shown, name, read))
    if wanted is None:
        pending += [_missing(PendingPage(f"{p.file}:{p.line}", "", "", lambda: None), p.message) for p in problems]
    return pending


def write_corpus_file_report(model: Model, source: str | Path, out: Path, sort_by: str | None = None,
                             force: bool = False, top: int = 5, text_field: str = "text", id_field: str = "id",
                             created: str | None = None, any_language: bool = False) -> CorpusReport:
    """One page per document of a corpus file and the index; bad rows are skipped and listed as FILE:LINE."""
    if sort_by is not None:
        frame_indexes(model, sort_by)
    return write_pages(model, corpus_pages(Path(source), text_field, id_field), out, sort_by, force, top, created,
                       any_language)


def _checked(row: ResultRow, data: bytes, name: str) -> Article:
    """The article, if it is what batch scored (same sha256); otherwise ArticleError."""
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise ArticleError(f"{name}: changed since `frames batch` scored it; run it again with --resume")
    return decode_article(data, name)


def _missing(page: PendingPage, reason: str) -> PendingPage:
    """The page of an article that cannot be found: reading it says why."""

    def fail() -> Article:
        raise ArticleError(f"{page.label}: {reason}")

    return PendingPage(page.label, page.shown, page.name, fail)
