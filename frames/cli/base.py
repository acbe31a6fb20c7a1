"""The `frames` command line: the Typer app, the error wrapper and the printing shared by commands.

Exit codes: 0 success; 1 a problem with the input, labels or model (the message says what);
2 a usage error (unknown option, missing argument); 130 interrupted by Ctrl-C (one line, no traceback).
"""

from __future__ import annotations

import functools
import sys
from typing import Callable

import typer
import typer.core

from frames.errors import FramesError

from .output import ANY_LANGUAGE, INTERRUPTED, report_error, warn_language  # noqa: F401  (shared with classify.py)

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


class Command(typer.core.TyperCommand):
    """A command whose usage line names its arguments as PATH or FOLDER..., not typer's {path}."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, typer.core.TyperArgument) and param.metavar is None and param.name:
                name = param.name.upper()
                param.metavar = name[:-1] if param.nargs != 1 and name.endswith("S") else name

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, typer.core.TyperArgument):
                piece = param.metavar + ("..." if param.nargs != 1 else "")
                pieces.append(piece if param.required else f"[{piece}]")
        return pieces


class App(typer.Typer):
    """A Typer app whose commands use Command (and so show PATH in their usage lines)."""

    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or Command, **kwargs)


app = App(
    help="Find narrative frames in news about Russia–Kazakhstan relations, sentence by sentence.\n\n"
    "Example: frames classify article.txt",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings=HELP_OPTIONS,
)
labels_app = App(help="Check and manage the hand-labelled sentences.\n\nExample: frames labels check",
                 no_args_is_help=True, rich_markup_mode=None, context_settings=HELP_OPTIONS)
app.add_typer(labels_app, name="labels")


def _print_version(value: bool) -> None:
    if value:
        from frames.version import __version__

        typer.echo(f"frames {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                          help="Print the version of frames and exit.")) -> None:
    """Options of `frames` itself, before the command."""

MODEL_OPTION = typer.Option(None, "--model", "-m", help="Model folder (default: $FRAMES_MODEL, else the shipped model).")


def any_language_option(what: str = "the article") -> typer.Option:
    """--any-language, as every command that scores text spells it."""
    return typer.Option(False, ANY_LANGUAGE, help=f"Score {what} even if not in the model's language (default: "
                        "such text is reported as not scored, never given made-up scores).")


_command_started = False  # set once a command's own code runs: from then on it reports Ctrl-C itself


def user_errors(command: Callable) -> Callable:
    """Turn a FramesError into `error: ...` on standard error and exit status 1, and a Ctrl-C
    that the command does not handle itself (while it imports, loads the model...) into one line and 130."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        global _command_started
        _command_started = True
        try:
            return command(*args, **kwargs)
        except (FramesError, KeyboardInterrupt, OSError) as exc:
            status = report_error(exc)  # None: standard output closed early (`| head`): Typer exits quietly
            if status is None:
                raise
            raise typer.Exit(status) from None

    return wrapper


def print_scores(scores: dict, title: str, unit: str = "sentences") -> None:
    """An Evaluation.to_dict() as a table; a figure that is not defined (no support, nothing predicted) is a dash."""
    from frames.training.evaluation import figure

    rows = scores["frames"]
    width = max(len("frame"), *(len(fid) for fid in rows))
    typer.echo(f"{title} ({scores['n']} {unit})")
    typer.echo(f"{'frame':<{width}}  precision  recall     f1  support")
    for fid, s in rows.items():
        typer.echo(f"{fid:<{width}}  {figure(s['precision'], 9)}  {figure(s['recall'], 6)}  {figure(s['f1'], 5)}  "
                   f"{s['support']:7d}")
    typer.echo(f"{'macro-F1':<{width}}  {'':9}  {'':6}  {scores['macro_f1']:5.3f}"
               + (f"  (frames without support left out: {', '.join(scores['without_support'])})"
                  if scores.get("without_support") else ""))
    if scores.get("false_alarm") is not None:
        typer.echo(f"false alarms: {scores['false_alarm']:.3f} of {scores['n_none']} {unit} with no frame get one")


def main() -> None:
    """Console-script entry point. Ctrl-C before a command's own code runs exits 130 with one line.

    Typer turns a Ctrl-C while it parses the options into a silent exit 130, and one while it
    builds the command line reaches here as KeyboardInterrupt; both print `interrupted`. (Ctrl-C
    while the command line is imported is handled in frames/cli/__init__.py.)
    """
    global _command_started
    _command_started = False
    try:
        app(prog_name="frames")
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(INTERRUPTED)
    except SystemExit as exit:
        if exit.code == INTERRUPTED and not _command_started:
            typer.echo("interrupted", err=True)
        raise
