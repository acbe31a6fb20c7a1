"""The `frames` command line: parses options, calls the library, prints for people.

Exit codes: 0 success; 1 a problem with the input, labels or model (the message says what);
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Callable, Optional

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


@app.command()
@user_errors
def classify(
    path: str = typer.Argument(..., help="Article text file, or - to read standard input."),
    top: int = typer.Option(3, "--top", "-n", min=0, help="Evidence sentences to show per frame."),
    as_json: bool = typer.Option(False, "--json", help="Print the full profile and every sentence's scores as JSON."),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Score an article: each frame's article score, presence, share of sentences, and evidence.

    The article score of a frame is its highest sentence probability; the frame is present
    when some sentence reaches the frame's threshold.

    Example: frames classify article.txt --top 5
    """
    from frames.articles import read_article
    from frames.model import load_model

    loaded = load_model(model)
    article = read_article(path)
    result = loaded.classify(article.text, top=top, name=article.name)
    if as_json:
        out = {"article": article.name, "encoding": article.encoding, "model": str(loaded.path)}
        out.update(result.to_dict())
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    typer.echo(f"{article.name}: {len(result.sentences)} sentences")
    width = max(len(f.name) for f in result.frames)
    typer.echo(f"{'frame':<{width}}  score  present  share")
    for f in result.frames:
        typer.echo(f"{f.name:<{width}}  {f.score:5.2f}  {'yes' if f.present else 'no':<7}  {f.share:5.2f}")
    for f in result.frames:
        if f.evidence:
            typer.echo(f"\n{f.name}:")
            for i in f.evidence:
                s = result.sentences[i]
                typer.echo(f"  {s.scores[result.frames.index(f)]:.2f}  [{s.start}:{s.end}] {s.text}")


@app.command()
@user_errors
def train(
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder: codebook.json and *.jsonl files."),
    out: Path = typer.Option(Path("models/default"), "--out", "-o", help="Model folder to write."),
) -> None:
    """Train a model on a labels folder, choosing features and C by cross-validation grouped by source.

    Writes model.json, vocabulary.json, weights.npz and metrics.json to the --out folder and
    prints the out-of-fold scores per frame.

    Example: frames train --labels labels --out models/mine
    """
    from frames.training import train as run_training

    typer.echo(f"training on {labels} ...", err=True)
    result = run_training(labels, out)
    typer.echo(f"{result.n_sentences} sentences, {result.n_groups} sources, {result.n_folds}-fold grouped CV; "
               f"chose {result.chosen.features}, C={result.chosen.C:g} (mean AP {result.chosen.mean_ap:.3f})")
    _print_scores(result.evaluation.to_dict(), "out-of-fold")
    typer.echo(f"model written to {result.out} in {result.seconds:.1f}s")


@app.command()
@user_errors
def evaluate(
    labels: Path = typer.Option(..., "--labels", "-l", help="A labelled JSONL file to score."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Score a labelled JSONL file with a model: per-frame precision, recall, F1, support, macro-F1.

    Frames the model does not know are reported and left out. Use sentences the model was not
    trained on, or the figures flatter it.

    Example: frames evaluate --labels new-labels.jsonl --json
    """
    from frames.evaluation import evaluate_file
    from frames.model import load_model

    evaluation, problems = evaluate_file(load_model(model), labels)
    for problem in problems:
        typer.echo(f"warning: {problem}", err=True)
    if as_json:
        typer.echo(json.dumps(evaluation.to_dict(), indent=1))
    else:
        _print_scores(evaluation.to_dict(), f"{labels}")


def _print_scores(scores: dict, title: str) -> None:
    rows = scores["frames"]
    width = max(len("frame"), *(len(fid) for fid in rows))
    typer.echo(f"{title} ({scores['n']} sentences)")
    typer.echo(f"{'frame':<{width}}  precision  recall     f1  support")
    for fid, s in rows.items():
        typer.echo(f"{fid:<{width}}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}")
    typer.echo(f"{'macro-F1':<{width}}  {'':9}  {'':6}  {scores['macro_f1']:5.3f}")


@labels_app.command("check")
@user_errors
def labels_check(
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder to check."),
) -> None:
    """Check every label file: JSON, text, frames known to the codebook, no conflicting duplicates.

    Prints each problem as FILE:LINE: what is wrong, and exits 1 if there is any.

    Example: frames labels check --labels labels
    """
    from frames.labels import check_labels, label_files

    problems = check_labels(labels)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(label_files(labels))} files, no problems")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="frames")


if __name__ == "__main__":
    sys.exit(main())
