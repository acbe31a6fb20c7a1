"""The `frames` command line: parses options, calls the library, prints for people.

One module per group of commands, all registered on one Typer app (see base.py). The package
imports none of them until asked: `frames classify` in its common spellings runs without Typer
(see classify.py), and ``app`` is imported on first use.
"""

from __future__ import annotations

import sys


def _interrupted_while_starting() -> None:
    """Ctrl-C while the command line starts: one line and 130, not a traceback."""
    sys.stderr.write("interrupted\n")
    raise SystemExit(130) from None


def _typer_app():
    try:
        from . import commands, labelling, show  # noqa: F401  (importing registers the commands)
        from .base import app
    except KeyboardInterrupt:
        _interrupted_while_starting()
    globals()["app"] = app
    return app


def main() -> None:
    """Console-script entry point: `frames classify` without Typer when it can, else the Typer app
    (see base.main for how Ctrl-C is reported)."""
    try:
        from .classify import run_without_typer
    except KeyboardInterrupt:
        _interrupted_while_starting()
    status = run_without_typer(sys.argv[1:])
    if status is not None:
        sys.exit(status)
    _typer_app()
    from .base import main as typer_main

    typer_main()


def __getattr__(name: str):
    """``app`` (the Typer app, every command registered) is imported on first use (PEP 562)."""
    if name == "app":
        return _typer_app()
    raise AttributeError(f"module 'frames.cli' has no attribute {name!r}")


__all__ = ["app", "main"]
