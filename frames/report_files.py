"""Writing report pages: one article to one file, or several to a folder with an index page.

Every file is written atomically (frames.atomic), and only over a report that frames wrote: an
existing page or folder needs --force, and anything else at the place is refused even with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from frames.articles import Article, read_article
from frames.atomic import write_atomic
from frames.errors import ArticleError, FramesError
from frames.explain import frame_indexes
from frames.model import Model
from frames.outputs import check_target, check_writable, describe
from frames.report import GENERATOR, INDEX_KIND, PAGE_KIND, IndexEntry, build_report, now, render_index, render_page

INDEX = "index.html"
_MARKER_BYTES = 4096  # the generator <meta> sits in the first lines of every page


@dataclass(frozen=True)
class CorpusReport:
    """What a corpus report wrote: its folder, one page per article, the index page, and the articles skipped.

    pages: (article path, page file) in the order given; skipped: (article path, reason).
    """

    folder: Path
    pages: tuple[tuple[str, Path], ...]
    index: Path
    skipped: tuple[tuple[str, str], ...]


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
                         created: str | None = None) -> Path:
    """Write one article's report page to ``out`` (checked first, replaced atomically); returns ``out``."""
    out = Path(out)
    check_page_target(out, force)
    write_atomic(out, article_page(model, article, top, created).encode("utf-8"))
    return out


def article_page(model: Model, article: Article, top: int = 5, created: str | None = None) -> str:
    """One article's report page as HTML text."""
    return render_page(build_report(model, article, top, created))


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
    taken = {INDEX}
    names = []
    for file in files:
        stem = file.stem or "article"
        name, n = f"{stem}.html", 1
        while name in taken:
            n += 1
            name = f"{stem}-{n}.html"
        taken.add(name)
        names.append(name)
    return names


def write_corpus_report(model: Model, paths: list[Path], out: Path, sort_by: str | None = None,
                        force: bool = False, top: int = 5, created: str | None = None) -> CorpusReport:
    """Write one page per article and an index page sorted by ``sort_by``'s score into the folder ``out``.

    Articles that cannot be read or hold no sentences are skipped and listed, as `frames batch` does.
    """
    out = Path(out)
    if sort_by is not None:
        frame_indexes(model, sort_by)  # an unknown frame is refused before any work
    files = report_inputs(paths)
    names = page_names([file for file, _ in files])
    check_folder_target(out, force, [*names, INDEX])
    out.mkdir(parents=True, exist_ok=True)
    created = created or now()
    entries: list[IndexEntry] = []
    pages: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []
    for (file, shown), name in zip(files, names):
        try:
            report = build_report(model, read_article(file), top, created)
        except ArticleError as exc:
            skipped.append((str(file), str(exc)))
            continue
        write_atomic(out / name, render_page(report, INDEX).encode("utf-8"))
        entries.append(IndexEntry(quote(name), shown, len(report.result.sentences), report.result.frames))
        pages.append((str(file), out / name))
    if not entries:
        raise FramesError(f"none of the {len(files)} articles could be scored (first: {skipped[0][1]})")
    index = render_index(entries, sort_by, model.identity, str(model.data.training.get("trained_at", "")), created)
    write_atomic(out / INDEX, index.encode("utf-8"))
    return CorpusReport(out, tuple(pages), out / INDEX, tuple(skipped))
