"""The `frames` command line: the Typer app, the error wrapper and the printing shared by commands.

Exit codes: 0 success; 1 a problem with the input, labels or model (the message says what);
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import functools
from typing import Callable

import typer

from frames.errors import FramesError

app = typer.Typer(
    help="Find narrative frames in news about Russia–Kazakhstan relations, sentence by sentence.\n\n"
    "Example: frames classify article.txt",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
labels_app = typer.Typer(help="Check and manage the hand-labelled sentences.\n\nExample: frames labels check",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(labels_app, name="labels")

MODEL_OPTION = typer.Option(None, "--model", "-m", help="Model folder (default: $FRAMES_MODEL, else the shipped model).")


def user_errors(command: Callable) -> Callable:
    """Turn a FramesError into `error: ...` on standard error and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except FramesError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def print_scores(scores: dict, title: str, unit: str = "sentences") -> None:
    rows = scores["frames"]
    width = max(len("frame"), *(len(fid) for fid in rows))
    typer.echo(f"{title} ({scores['n']} {unit})")
    typer.echo(f"{'frame':<{width}}  precision  recall     f1  support")
    for fid, s in rows.items():
        typer.echo(f"{fid:<{width}}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}")
    typer.echo(f"{'macro-F1':<{width}}  {'':9}  {'':6}  {scores['macro_f1']:5.3f}"
               + (f"  (frames without support left out: {', '.join(scores['without_support'])})"
                  if scores.get("without_support") else ""))
    if scores.get("false_alarm") is not None:
        typer.echo(f"false alarms: {scores['false_alarm']:.3f} of {scores['n_none']} {unit} with no frame get one")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="frames")
