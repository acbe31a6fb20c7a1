"""Printing and error reporting shared by every command, without Typer (so that `frames classify`
can run without importing it; see frames/cli/classify.py).

Exit codes: 0 success; 1 a problem with the input, labels or model; 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import errno
import re
import sys

from frames.errors import FramesError

INTERRUPTED = 130  # the exit status of a run stopped by Ctrl-C
ANY_LANGUAGE = "--any-language"  # the one opt-out of the language check, named the same on every command
_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")  # what click.echo strips when the stream is not a terminal


def echo(message: str = "", err: bool = False) -> None:
    """One line on standard output (or error), flushed, as typer.echo writes it: terminal escape
    sequences are dropped when the stream is not a terminal."""
    stream = sys.stderr if err else sys.stdout
    if "\033" in message and not _isatty(stream):
        message = _ANSI.sub("", message)
    stream.write(message + "\n")
    stream.flush()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except Exception:  # a closed or replaced stream
        return False


def warn_language(name: str, unscored: str | None, anyway: str | None = None) -> None:
    """The one warning every command prints for text not in the model's language: ``unscored`` is why it
    was not scored; ``anyway`` why it should not have been, when --any-language scored it."""
    if unscored:
        echo(f"warning: {name}: not scored: {unscored}; {ANY_LANGUAGE} scores it anyway", err=True)
    elif anyway:
        echo(f"warning: {name}: scored anyway, though {anyway}", err=True)


def report_error(exc: BaseException) -> int | None:
    """Print what a command's error means for the user and return the exit status: a FramesError is
    `error: ...` and 1, Ctrl-C `interrupted` and 130, a path the system refused (name too long, I/O
    error...) names the path and the reason, 1. None: not ours to report (standard output closed
    early, `| head`, or anything else): the caller lets it through."""
    if isinstance(exc, FramesError):
        echo(f"error: {exc}", err=True)
        return 1
    if isinstance(exc, KeyboardInterrupt):
        echo("interrupted", err=True)
        return INTERRUPTED
    if isinstance(exc, OSError) and exc.errno != errno.EPIPE:
        where = f"{exc.filename}: " if exc.filename else ""
        echo(f"error: {where}{exc.strerror or exc}", err=True)
        return 1
    return None
