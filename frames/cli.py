"""The `frames` command line: parses options, calls the library, prints for people.

Exit codes: 0 success; 1 a problem with the input, labels or model (the message says what);
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import functools
import json
import sys
import time
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


@app.command()
@user_errors
def batch(
    folder: Path = typer.Argument(..., help="Folder of article files."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (.csv or .jsonl); default: JSONL to standard output."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="csv or jsonl (default: from --out's extension)."),
    pattern: str = typer.Option("*.txt", "--glob", "-g", help="File-name pattern of the articles."),
    recursive: bool = typer.Option(True, "--recursive/--no-recursive", help="Look in subfolders too."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted --out: skip articles already in it."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first file that cannot be scored (exit 1)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out instead of refusing."),
    evidence: int = typer.Option(0, "--evidence", "-e", help="Top evidence sentences per frame in each JSONL row."),
    backend: Optional[str] = typer.Option(None, "--backend", help="joblib backend for the workers, e.g. loky or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, with --backend dask."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Score every article in a folder: one row per article, in path order, streamed to CSV or JSONL.

    Each row holds the article's path (relative to FOLDER), the sha256 of its bytes, its number of
    sentences, and per frame the score, presence and share exactly as `frames classify` computes them.
    Rows are written and flushed one by one, so an interrupted run leaves a valid file.

    --resume skips articles whose path and hash are already in --out and appends the rest. An
    article whose content changed since it was scored is scored again, and when the run completes
    its old row is dropped: the file is rewritten in path order with one row per article, and the
    summary says how many rows were replaced. Rows of files no longer in FOLDER are kept.

    Files that cannot be read, are binary or empty, or hold no sentences, and folders that cannot
    be read or loop back through links, are skipped with a reason, listed in the summary and in
    FILE.errors.jsonl beside --out.

    Exit codes: 0 done (even with skipped files); 1 stopped by a bad file under --strict, or a bad
    folder, model or output; 2 usage error; 130 interrupted (the output is valid: rerun with --resume).

    Example: frames batch articles/ --out scores.csv --jobs 2 --resume
    """
    from frames.batch import BatchOptions, output_format, run_batch

    if resume and out is None:
        raise FramesError("--resume needs --out: there is nothing to resume on standard output")
    if resume and force:
        raise FramesError("--resume and --force clash: continue the output, or replace it, not both")
    if scheduler and backend != "dask":
        raise FramesError("--scheduler is for --backend dask")
    if jobs < 1:
        raise FramesError(f"--jobs must be 1 or more, got {jobs}")
    fmt = output_format(out, fmt)
    if evidence and fmt == "csv":
        raise FramesError("--evidence is for JSONL output; CSV rows hold the profile only")
    options = BatchOptions(root=folder, out=out, format=fmt, pattern=pattern, recursive=recursive, jobs=jobs,
                           resume=resume, strict=strict, force=force, evidence=evidence, model=model,
                           backend=backend, scheduler=scheduler)
    show = not quiet and sys.stderr.isatty()
    try:
        if show:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)

            columns = (TextColumn("scoring"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[rate]:.0f} articles/s"), TimeRemainingColumn())
            with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("scoring", total=None, rate=0.0)
                started = time.perf_counter()

                def update(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total,
                               rate=done / max(time.perf_counter() - started, 1e-9))

                summary = run_batch(options, sys.stdout, update)
        else:
            summary = run_batch(options, sys.stdout)
    except KeyboardInterrupt:
        where = f"; {out} is valid: run again with --resume" if out else ""
        typer.echo(f"interrupted{where}", err=True)
        raise typer.Exit(130) from None
    if quiet:
        return
    typer.echo(f"scored {summary.scored}, unchanged {summary.unchanged}, skipped {len(summary.skipped)}"
               + (f", replaced {summary.replaced} stale rows" if summary.replaced else "")
               + f" in {summary.seconds:.1f}s ({summary.articles_per_second:.1f} articles/s, "
               f"{summary.megabytes_per_second:.2f} MB/s)", err=True)
    for skip in summary.skipped:
        typer.echo(f"  skipped {skip.path}: {skip.reason}", err=True)
    if summary.skipped and summary.errors_file:
        typer.echo(f"  (also in {summary.errors_file})", err=True)


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
