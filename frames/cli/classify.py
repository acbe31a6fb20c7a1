"""`frames classify`: the command's work, and a start without Typer for its common spellings.

Importing Typer and building the whole command line costs about 60 ms on a cold start, more than
everything classify does beyond importing numpy. So ``run_without_typer`` parses the usual
arguments itself (article paths, --json, --any-language, --top/-n N, --model/-m FOLDER) and runs
``classify_articles``, the function the Typer command calls too; anything else (--help, a usage
error, --top=N, --) returns None and Typer parses it. A test checks that these options agree with
the Typer command's.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Callable

from frames.errors import FramesError

from .output import echo, report_error, warn_language

# The options parsed here: option -> (parameter of classify_articles, takes a value).
OPTIONS = {"--json": ("as_json", False), "--any-language": ("any_language", False),
           "--top": ("top", True), "-n": ("top", True), "--model": ("model", True), "-m": ("model", True)}
DEFAULTS = {"top": 3, "as_json": False, "any_language": False, "model": None}


def classify_articles(paths: list[str], top: int = 3, as_json: bool = False, any_language: bool = False,
                      model: Path | None = None, started: Callable[[], None] | None = None) -> int:
    """Score and print each article (see the `classify` command); returns the exit status: 1 when an
    article could not be read (the others are still scored), else 0. ``started`` is called once the
    model is loaded, before any article is read."""
    import json

    from frames.model.scoring import load_model
    from frames.text.articles import is_corpus, read_article
    from frames.text.language import unscored_reason

    corpus = next((path for path in paths if path != "-" and is_corpus(path)), None)
    if corpus is not None:
        raise FramesError(f"{corpus}: a corpus file (one article a row), which classify would read as one article; "
                          f"score its articles with `frames batch {corpus}` or `frames report {corpus} -o reports/`")
    loaded = load_model(model)
    if started is not None:
        started()
    failed = 0
    for number, path in enumerate(paths):
        try:
            article = read_article(path)
            result = loaded.classify(article.text, top=top, name=article.name, check_language=not any_language)
        except FramesError as exc:  # one unreadable article does not stop the others
            echo(f"error: {exc}", err=True)
            failed += 1
            continue
        for note in article.notes():
            echo(f"note: {note}", err=True)
        warn_language(article.name, result.unscored,
                      unscored_reason(result.language, loaded.language) if result.language else None)
        if as_json:
            out = {"article": article.name, "encoding": article.encoding, "bad_bytes": article.bad_bytes,
                   "format": article.format, "model": loaded.describe(), **result.to_dict()}
            echo(json.dumps(out, ensure_ascii=False, indent=1 if len(paths) == 1 else None))
        else:
            _print_result(article.name, result, loaded, blank_line=number > 0)
    return 1 if failed else 0


def _print_result(name: str, result, loaded, blank_line: bool) -> None:
    """One article's table and evidence, for people."""
    n = len(result.sentences)
    if blank_line:
        echo("")
    echo(f"{name}: {n} sentence{'' if n == 1 else 's'}; model {loaded.identity.name}, "
         f"article rule: {loaded.data.article_rule.kind}")
    if not result.scored:
        echo("not scored (see the warning)")
        return
    width = max(len(f.name) for f in result.frames)
    echo(f"{'frame':<{width}}  score  present  share  why")
    for f in result.frames:
        why = f.reason.split(": ", 1)[-1]
        echo(f"{f.name:<{width}}  {f.score:5.2f}  {'yes' if f.present else 'no':<7}  {f.share:5.2f}  {why}")
    for f in result.frames:
        if f.evidence:
            echo(f"\n{f.name}:")
            for i in f.evidence:
                s = result.sentences[i]
                echo(f"  {s.scores[result.frames.index(f)]:.2f}  [{s.start}:{s.end}] {s.text}")


def parse_arguments(args: list[str]) -> dict | None:
    """classify_articles' arguments from the words after `classify`, or None when Typer should parse
    them: an option not in OPTIONS (--help included), one given twice, a value that is not a whole
    number or folder, a word starting with "-" other than "-" itself, or no article at all."""
    given = dict(DEFAULTS)
    seen: set[str] = set()
    paths: list[str] = []
    words = iter(args)
    for word in words:
        if word == "-" or not word.startswith("-"):
            paths.append(word)
            continue
        if word not in OPTIONS:
            return None
        name, takes_value = OPTIONS[word]
        if name in seen:
            return None
        seen.add(name)
        if not takes_value:
            given[name] = True
            continue
        value = next(words, None)
        if value is None or value.startswith("-") or not value:
            return None
        if name == "top":
            if not (value.isascii() and value.isdigit()):
                return None
            given[name] = int(value)
        else:
            given[name] = Path(value)
    return {"paths": paths, **given} if paths else None


def run_without_typer(argv: list[str]) -> int | None:
    """Run `frames classify ...` when ``argv`` (the words after `frames`) is one of its common spellings:
    the exit status; None when Typer has to parse ``argv``."""
    if not argv or argv[0] != "classify":
        return None
    arguments = parse_arguments(argv[1:])
    if arguments is None:
        return None
    # Start-up (imports, the model) makes some 20,000 objects that live until the process ends and
    # no garbage: the cyclic garbage collector's passes over them, during start-up and again when
    # the interpreter exits, cost about a tenth of a cold classify. So it is off while starting,
    # and what start-up made is then frozen out of its passes (gc.freeze) for the rest of the process.
    gc.disable()
    try:
        return classify_articles(**arguments, started=_started)
    except (FramesError, KeyboardInterrupt, OSError) as exc:
        status = report_error(exc)
        if status is not None:
            return status
        if isinstance(exc, OSError):  # standard output closed early (`| head`): exit quietly, as Typer does
            _quiet_stdout()
            return 1
        raise
    finally:
        gc.enable()


def _started() -> None:
    """Start-up is over: its objects leave the garbage collector's passes, which resume."""
    gc.freeze()
    gc.enable()


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush into a closed pipe stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
