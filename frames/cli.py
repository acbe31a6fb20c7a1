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

    A frame's score is its highest sentence probability (calibrated on real text). Whether the
    article pushes the frame ("present") is the model's article rule, chosen on labelled real
    articles; "why" says what the rule saw, e.g. how many sentences are over the threshold.

    Example: frames classify article.txt --top 5
    """
    from frames.articles import read_article
    from frames.model import load_model

    loaded = load_model(model)
    article = read_article(path)
    result = loaded.classify(article.text, top=top, name=article.name)
    if as_json:
        out = {"article": article.name, "encoding": article.encoding, "model": loaded.describe()}
        out.update(result.to_dict())
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    n = len(result.sentences)
    typer.echo(f"{article.name}: {n} sentence{'' if n == 1 else 's'}; model {loaded.identity.name}, "
               f"article rule: {loaded.data.article_rule.kind}")
    width = max(len(f.name) for f in result.frames)
    typer.echo(f"{'frame':<{width}}  score  present  share  why")
    for f in result.frames:
        why = f.reason.split(": ", 1)[-1]
        typer.echo(f"{f.name:<{width}}  {f.score:5.2f}  {'yes' if f.present else 'no':<7}  {f.share:5.2f}  {why}")
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
    out: Path = typer.Option(..., "--out", "-o", help="Model folder to write, e.g. models/NAME."),
    force: bool = typer.Option(False, "--force", help="Replace a model already at --out."),
) -> None:
    """Train a model on a labels folder, choosing features and C by cross-validation grouped by source.

    Writes model.json, vocabulary.json, weights.npz and metrics.json to --out (never over an
    existing model without --force), then prints the out-of-fold scores per frame beside the
    previous model's (the one replaced, else the default model), with the change.

    Sentences labelled by several annotators are settled first: a row marked "settled": true
    wins, else a frame is kept when more than half of the annotators gave it.

    Example: frames train --labels labels --out models/mine
    """
    from frames.training import check_out, train as run_training

    check_out(out, force)
    typer.echo(f"training on {labels} ...", err=True)
    result = run_training(labels, out, force)
    typer.echo(f"{result.n_sentences} sentences, {result.n_groups} sources, {result.n_folds}-fold grouped CV"
               f"{'' if result.real is None else ' tuned on real rows'}; chose {result.chosen.features}, "
               f"C={result.chosen.C:g}, written weight {result.chosen.written_weight:g} "
               f"(mean AP {result.chosen.mean_ap:.3f}); {result.n_heldout_documents} documents held out")
    if result.rule is not None:
        tried = ", ".join(f"{s.kind} {s.macro_f1:.3f}" for s in result.rule.scores)
        typer.echo(f"article rule: {result.rule.rule.kind}, chosen on {result.rule.n_articles} labelled articles "
                   f"(cross-validated macro-F1: {tried})")
    if result.settled.n_multi or result.settled.n_settled:
        typer.echo(f"settled {result.settled.n_multi} sentences labelled by several annotators "
                   f"({result.settled.n_ties} tied frames dropped) and used {result.settled.n_settled} settled rows; "
                   f"rule: {result.settled.rule}")
    _print_scores(result.evaluation.to_dict(), "\nout-of-fold, all rows")
    if result.real is not None:
        _print_scores(result.real.to_dict(), "\nout-of-fold, real rows only")
    if result.heldout is not None:
        _print_scores(result.heldout.to_dict(), "\nHELD-OUT real test split, sentences")
    for sample, evaluation in result.heldout_by_sample.items():
        typer.echo(f"  held-out {sample} rows: macro-F1 {evaluation.macro_f1:.3f}, false alarms "
                   f"{evaluation.false_alarm if evaluation.false_alarm is not None else float('nan'):.3f} "
                   f"({evaluation.n} sentences)")
    if result.heldout_articles is not None:
        _print_scores(result.heldout_articles.to_dict(), "\nHELD-OUT real test split, articles", "articles")
    for level, table in result.reliability.items():
        typer.echo(f"calibration on the held-out {level}: expected calibration error {table['ece']:.3f}")
    if result.previous is not None:
        _print_change((result.real or result.evaluation).to_dict(), result.previous)
    typer.echo(f"model written to {result.out} in {result.seconds:.1f}s")


def _print_change(scores: dict, previous) -> None:
    """The new out-of-fold F1 beside the previous model's, frame by frame."""
    rows = scores["frames"]
    width = max(len("macro-F1"), *(len(fid) for fid in rows))
    typer.echo(f"\ncompared with {previous.path} (out-of-fold F1, real rows when the labels have them)")
    typer.echo(f"{'frame':<{width}}    new  previous  change")
    for fid, s in [*rows.items(), ("macro-F1", {"f1": scores["macro_f1"]})]:
        before = previous.oof_macro_f1 if fid == "macro-F1" else previous.oof_f1.get(fid)
        if before is None:
            typer.echo(f"{fid:<{width}}  {s['f1']:5.3f}       n/a     new")
        else:
            typer.echo(f"{fid:<{width}}  {s['f1']:5.3f}     {before:5.3f}  {s['f1'] - before:+6.3f}")


@app.command("models")
@user_errors
def models_command(
    folder: Path = typer.Argument(Path("models"), help="Folder holding model folders."),
) -> None:
    """List the models in a folder: name, date, frames, labelled sentences, data hash, out-of-fold macro-F1.

    Example: frames models models
    """
    from frames.versions import list_models

    infos = list_models(folder)
    if not infos:
        typer.echo(f"no models in {folder}")
        return
    typer.echo(f"{'name':<16} {'trained':<20} {'sentences':>9}  {'data':<12} {'macro-F1':>8}  frames")
    for m in infos:
        f1 = f"{m.oof_macro_f1:.3f}" if m.oof_macro_f1 is not None else "n/a"
        typer.echo(f"{m.name:<16} {m.trained_at:<20} {m.n_sentences:>9}  {m.data_sha256[:12]:<12} {f1:>8}  "
                   f"{', '.join(m.frames)}")


@app.command()
@user_errors
def evaluate(
    labels: Optional[Path] = typer.Option(None, "--labels", "-l", help="A labelled JSONL file of sentences to score."),
    articles: Optional[Path] = typer.Option(None, "--articles", "-a", help="A JSONL file of whole articles labelled "
                                            "with the frames they push (see labels/articles/), scored at article level."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Score the good rows even if some are malformed "
                                  "(default: exit 1 on the first malformed row)."),
    models: Optional[list[Path]] = typer.Option(
        None, "--model", "-m", help="Model folder; give it twice to compare two models (default: the shipped model)."),
) -> None:
    """Score labelled sentences (--labels) or whole articles (--articles) with a model: per-frame
    precision, recall, F1, support, macro-F1 over the frames with support, and the false-alarm rate
    (the share of items with no frame that get one).

    Frames the model does not know are reported and left out. Use text the model was not trained
    on, or the figures flatter it. With two or more --model, each is scored on the same file and
    the F1 scores are shown side by side; --json then prints {"models": [{"model": DIR, ...}]}.

    Example: frames evaluate --articles labels/articles/real.jsonl --model models/default
    """
    from frames.evaluation import compare_table, evaluate_article_file, evaluate_file
    from frames.model import load_model

    if (labels is None) == (articles is None):
        raise FramesError("give --labels FILE (sentences) or --articles FILE (whole articles), one of the two")
    target = labels or articles
    results = []
    for path in models or [None]:
        model = load_model(path)
        evaluation, problems = (evaluate_file if labels else evaluate_article_file)(model, target)
        malformed = [p for p in problems if not p.message.startswith("unknown frame")]
        if malformed and not skip_bad:
            raise FramesError(f"{malformed[0]}; fix the row, or add --skip-bad to score the good rows only")
        for problem in problems:
            typer.echo(f"warning: {model.path}: {problem}", err=True)
        results.append((str(model.path), evaluation.to_dict()))
    unit = "sentences" if labels else "articles"
    if len(results) == 1:
        scores = results[0][1]
        if as_json:
            typer.echo(json.dumps(scores, indent=1))
        else:
            _print_scores(scores, f"{target}", unit)
        return
    if as_json:
        typer.echo(json.dumps({"models": [{"model": name, **scores} for name, scores in results]}, indent=1))
        return
    typer.echo(f"{target}: F1 by model")
    for line in compare_table(results):
        typer.echo(line)


@app.command()
@user_errors
def batch(
    folder: Path = typer.Argument(..., help="Folder of article files."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (.csv or .jsonl); default: JSONL to standard output."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="csv or jsonl (default: from --out's extension)."),
    pattern: str = typer.Option("*.txt", "--glob", "-g", help="File-name pattern of the articles."),
    recursive: bool = typer.Option(True, "--recursive/--no-recursive", help="Look in subfolders too."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes."),
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

    fmt = output_format(out, fmt)
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


from typing import TYPE_CHECKING  # noqa: E402  (kept beside the commands that use it)

if TYPE_CHECKING:  # explain and report code is imported only when those commands run
    from frames.explain import FrameWeights, SentenceExplanation


@app.command()
@user_errors
def explain(
    text: Optional[str] = typer.Argument(None, help="A sentence to explain; with --sentence, an article file (or - for standard input)."),
    sentence: Optional[int] = typer.Option(None, "--sentence", "-s", min=0,
                                           help="Explain sentence N of the article TEXT, numbered from 0 as `frames classify --json` numbers them."),
    frame: Optional[str] = typer.Option(None, "--frame", "-f", help="Only this frame (its id)."),
    top: int = typer.Option(10, "--top", "-n", min=1, help="N-grams to list each way per frame."),
    model_wide: bool = typer.Option(False, "--global", help="List the frame's largest positive and negative coefficients, model-wide (needs --frame)."),
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as JSON."),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Why a sentence scored as it did: each frame's logit split exactly into intercept + one part per n-gram.

    The model is linear, so each n-gram in the sentence adds exactly its tf-idf value times the
    frame's coefficient. Listed: the n-grams pushing towards each frame and those pushing away, the
    sum of the rest, the probability and the threshold. Character n-grams show word edges as ␣.
    With --global, the n-grams the frame weighs most, for checking the model against the codebook.

    Example: frames explain "Western sanctions failed to stop trade." --frame sanctions_resilience
    """
    if model_wide and frame is None:
        raise typer.BadParameter("needs --frame ID: the frame whose coefficients to list", param_hint="--global")
    if model_wide and (text is not None or sentence is not None):
        raise typer.BadParameter("describes the model, not a sentence: drop the sentence, or drop --global",
                                 param_hint="--global")
    if not model_wide and text is None:
        raise typer.BadParameter("give a sentence, an article with --sentence N, or --frame ID --global",
                                 param_hint="TEXT")
    if text == "-" and sentence is None:
        raise typer.BadParameter("- reads an article from standard input: add --sentence N to pick its sentence",
                                 param_hint="TEXT")
    from frames.explain import article_sentence, explain_sentences, frame_weights
    from frames.model import load_model

    loaded = load_model(model)
    if model_wide:
        weights = frame_weights(loaded, frame, top)
        if as_json:
            typer.echo(json.dumps({"model": str(loaded.path), **weights.to_dict()}, ensure_ascii=False, indent=1))
        else:
            _print_weights(weights)
        return
    if sentence is not None:
        from frames.articles import read_article

        article = read_article(text)
        text = article_sentence(article.text, sentence, article.name).text
    elif Path(text).is_file():
        raise FramesError(f"{text} is a file: add --sentence N to explain one of its sentences, or give the sentence itself")
    (explained,) = explain_sentences(loaded, [text], frame, top)
    if as_json:
        typer.echo(json.dumps({"model": str(loaded.path), "sentence": sentence, **explained.to_dict()},
                              ensure_ascii=False, indent=1))
    else:
        _print_explanation(explained)


def _print_explanation(explained: SentenceExplanation) -> None:
    """Each frame's verdict, its logit as a sum, and a table of the n-grams pushing it."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(f"“{explained.text}”"))
    for f in explained.frames:
        verdict = "carries it" if f.present else "does not carry it"
        parts = " ".join(f"{'+' if v >= 0 else '-'} {abs(v):.3f} ({a} n-grams)" for a, v in f.by_analyzer)
        console.print(Text(f"\n{f.name} ({f.id}): probability {f.probability:.3f}, threshold {f.threshold:.3f}: {verdict}"))
        console.print(Text(f"logit {f.logit:.3f} = {f.intercept:.3f} (intercept) {parts}"))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for name, justify in (("", "left"), ("n-gram", "left"), ("analyzer", "left"), ("count", "right"),
                              ("tf-idf", "right"), ("coefficient", "right"), ("part", "right")):
            table.add_column(name, justify=justify, no_wrap=name == "n-gram")
        for label, parts_list in (("towards", f.towards), ("away", f.away)):
            for k, c in enumerate(parts_list):
                table.add_row(label if k == 0 else "", Text(c.term), c.analyzer, str(c.count), f"{c.tfidf:.3f}",
                              f"{c.coefficient:+.3f}", f"{c.value:+.3f}")
            table.add_section()
        if f.n_rest:
            table.add_row("rest", Text(f"{f.n_rest} other n-grams"), "", "", "", "", f"{f.rest:+.3f}")
        console.print(table)


def _print_weights(weights: FrameWeights) -> None:
    """A frame's largest positive and negative coefficients side by side."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(f"{weights.name} ({weights.id}): intercept {weights.intercept:.3f}; the n-grams with the "
                       f"largest coefficients, model-wide"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name, justify in (("#", "right"), ("towards", "left"), ("analyzer", "left"), ("coef", "right"),
                          ("away", "left"), ("analyzer", "left"), ("coef", "right")):
        table.add_column(name, justify=justify, no_wrap=name in ("towards", "away"))
    for k in range(max(len(weights.positive), len(weights.negative))):
        row = [str(k + 1)]
        for side in (weights.positive, weights.negative):
            w = side[k] if k < len(side) else None
            row += [Text(w.term), w.analyzer, f"{w.coefficient:+.3f}"] if w else ["", "", ""]
        table.add_row(*row)
    console.print(table)


@app.command()
@user_errors
def report(
    paths: list[Path] = typer.Argument(..., help="Article files, or folders of *.txt articles; - reads one article from standard input."),
    out: Path = typer.Option(..., "--out", "-o", help="The HTML page to write for one article (- prints it), or the folder for several."),
    sort_by: Optional[str] = typer.Option(None, "--sort-by", help="Sort the index of several articles by this frame's score, highest first."),
    top: int = typer.Option(5, "--top", "-n", min=1, help="N-grams listed each way per frame in each sentence's explanation."),
    force: bool = typer.Option(False, "--force", help="Replace a report frames wrote before (never any other file)."),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Write a self-contained HTML report: the frame profile, the text with frames highlighted, and why.

    One article gives one page: the profile as bars with thresholds, every frame-carrying sentence
    highlighted in its frame's colour, filters, and each sentence's scores and n-grams (as `frames
    explain` computes them). It makes no network request and prints legibly. Several articles, or a
    folder, give one page each plus index.html in the --out folder, sorted by --sort-by's score.

    Example: frames report article.txt -o article.html
    """
    corpus = len(paths) > 1 or any(p.is_dir() for p in paths)
    if corpus and any(str(p) == "-" for p in paths):
        raise typer.BadParameter("- reads one article from standard input; it cannot be mixed with other articles",
                                 param_hint="PATHS")
    if corpus and str(out) == "-":
        raise typer.BadParameter("several articles make several pages: give a folder, not -", param_hint="--out")
    if not corpus and sort_by is not None:
        raise typer.BadParameter("orders the index of several articles; give several articles or a folder",
                                 param_hint="--sort-by")
    from frames.model import load_model
    from frames.report_files import (article_page, check_folder_target, check_page_target, write_article_report,
                                     write_corpus_report)

    if corpus:
        check_folder_target(out, force)
        result = write_corpus_report(load_model(model), paths, out, sort_by, force, top)
        typer.echo(f"wrote {len(result.pages)} page{'' if len(result.pages) == 1 else 's'} and {result.index}")
        for path, reason in result.skipped:
            typer.echo(f"  skipped {path}: {reason}", err=True)
        return
    from frames.articles import read_article

    if str(out) != "-":
        check_page_target(out, force)
    loaded = load_model(model)
    article = read_article(paths[0])
    if str(out) == "-":
        typer.echo(article_page(loaded, article, top), nl=False)
        return
    typer.echo(f"wrote {write_article_report(loaded, article, out, force, top)}")


@app.command()
@user_errors
def label(
    paths: list[Path] = typer.Argument(..., help="Articles, folders of articles (*.txt), or corpus files "
                                       "(.jsonl, .csv, .jsonl.gz: one article a row) to label from."),
    labels_file: Optional[Path] = typer.Option(None, "--labels", "-l",
                                               help="JSONL file the answers are appended to (default: "
                                                    "labels/annotations.jsonl, or labels/articles/annotations.jsonl "
                                                    "with --articles)."),
    uncertain: int = typer.Option(0, "--uncertain", "-u", min=0,
                                  help="Offer only the N sentences the model is least sure about: smallest "
                                       "|probability - threshold| over the frames first."),
    random_n: int = typer.Option(0, "--random", "-r", min=0, help="Offer a random sample of N (an unbiased sample)."),
    seed: int = typer.Option(0, "--seed", help="Seed of --random: the same seed gives the same sample."),
    articles: bool = typer.Option(False, "--articles", help="Whole-article mode: show each article and ask which "
                                  "frames it pushes, judged on the whole text."),
    text_field: str = typer.Option("text", "--text-field", help="Field of a corpus row that holds the text."),
    id_field: str = typer.Option("id", "--id-field", help="Field of a corpus row that holds the article's id."),
    annotator: Optional[str] = typer.Option(None, "--annotator", "-a", help="Your name, saved with each answer."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook (default: the one of the labels "
                                            "folder, else labels/codebook.json, else the model's own)."),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Label sentences (or whole articles) one at a time in the terminal; every answer is saved at once.

    Each sentence is shown with the one before and after it, the model's score for each frame
    and the codebook's frames with one key each. Type the keys of the frames it carries and press
    Enter (13 saves frames 1 and 3); 0 saves "no frame", s skips, u undoes the last answer, q quits,
    ? shows help; a bare Enter asks again. Answers are appended and fsync'd one by one, so Ctrl-C,
    a closed terminal or the end of input loses none of them.

    Sentences from a corpus file are saved as references (corpus, document id, offsets, hash),
    never copied; the corpus is added to corpora.json in the labels folder. Each row records how
    it was drawn: whole (reading order), random or uncertain. Sentences already in any label file
    beside --labels are not offered again.

    Example: frames label ../shared/pool/kremlin.jsonl --random 50 --seed 1 --annotator anna
    """
    from frames.labelling import LabelFile, LabelSession, plan, read_sources
    from frames.model import load_model

    if sum(bool(x) for x in (uncertain, random_n)) > 1:
        raise FramesError("--uncertain and --random clash: choose one way to sample")
    target = labels_file or Path("labels/articles/annotations.jsonl" if articles else "labels/annotations.jsonl")
    loaded = load_model(model)
    book = _codebook_for(target, codebook, loaded)
    sources, problems = read_sources(paths, target, text_field, id_field)
    for problem in problems:
        typer.echo(f"warning: {problem}", err=True)
    mode = "uncertain" if uncertain else "random" if random_n else "whole"
    items = plan(sources, target, mode, uncertain or random_n, seed, loaded, articles)
    if not items:
        typer.echo("nothing to label: everything here is labelled already")
        return
    session = LabelSession(items, LabelFile(target), annotator, book.ids, mode)
    column = {fid: j for j, fid in enumerate(loaded.frames)}
    typer.echo(f"labelling {len(items)} {'articles' if articles else 'sentences'} into {target}; {session.help}")
    try:
        while not session.done:
            _show(session, loaded, column, articles)
            while True:
                typer.echo("  frames? ", nl=False)
                line = sys.stdin.readline()
                if line == "":  # end of input: everything answered is saved already
                    typer.echo(f"\nend of input: {session.saved} answers saved to {target}")
                    return
                reply = session.handle(line)
                if reply.message:
                    typer.echo(f"  {reply.message}")
                if reply.kind == "quit":
                    typer.echo(f"saved {session.saved} answers to {target}")
                    return
                if reply.kind != "again":
                    break
    except KeyboardInterrupt:
        typer.echo(f"\nstopped: {session.saved} answers saved to {target}", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"\ndone: {session.saved} answers saved to {target}")


def _codebook_for(target: Path, given: Optional[Path], loaded):
    """The codebook to label with: --codebook, the labels folder's, labels/, else the model's own frames."""
    from frames.codebook import Codebook, Frame, load_codebook

    if given is not None:
        return load_codebook(given)
    for folder in (target.parent, *target.parent.parents[:2], Path("labels")):
        if (folder / "codebook.json").is_file():
            return load_codebook(folder / "codebook.json")
    return Codebook(tuple(Frame(fid, name, name) for fid, name in zip(loaded.frames, loaded.frame_names)))


def _show(session, loaded, column: dict, articles: bool) -> None:
    """Print the current item: its place, context, the model's scores and the frame keys."""
    current = session.current
    typer.echo(f"\n[{session.position + 1}/{len(session.candidates)}] {current.source}")
    if articles:
        result = loaded.classify(current.text, top=0)
        typer.echo("\n".join("    " + line for line in current.text.splitlines() if line.strip()))
        probabilities = [f.score for f in result.frames]
        over = [f.present for f in result.frames]
    else:
        if current.before:
            typer.echo(f"    {current.before}")
        typer.echo(f"  > {current.text}")
        if current.after:
            typer.echo(f"    {current.after}")
        probabilities = loaded.predict_proba([current.text])[0]
        over = probabilities >= loaded.thresholds
    scores = []
    for key, fid in session.keys.items():
        j = column.get(fid)
        mark = "" if j is None else f" {probabilities[j]:.2f}" + ("*" if over[j] else "")
        scores.append(f"{key} {fid}{mark}")
    typer.echo("  " + " | ".join(scores))


def _print_scores(scores: dict, title: str, unit: str = "sentences") -> None:
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


@labels_app.command("agreement")
@user_errors
def labels_agreement(
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder to read."),
    limit: int = typer.Option(20, "--show", help="Disagreements to list (0: all)."),
) -> None:
    """Agreement between annotators on sentences labelled by two or more of them.

    Per frame: Cohen's kappa when there are two annotators, Krippendorff's alpha (nominal) when
    there are more, over the doubly-labelled sentences; then the sentences they disagree on.
    Settle one by adding a row with the same text and "settled": true; training uses it.

    Example: frames labels agreement --labels labels
    """
    from frames.agreement import SETTLE_RULE, agreement
    from frames.labels import load_labels

    label_set = load_labels(labels)
    report = agreement(label_set.sentences, label_set.codebook.ids)
    if report.n_shared == 0:
        typer.echo("no sentence is labelled by two annotators (rows need an \"annotator\" field)")
        return
    typer.echo(f"{report.n_shared} sentences labelled by two or more of: {', '.join(report.annotators)}")
    width = max(len(f.frame) for f in report.frames)
    for f in report.frames:
        value = "n/a" if f.value is None else f"{f.value:.3f}"
        typer.echo(f"{f.frame:<{width}}  {f.statistic} {value:>6}  (n={f.n})")
    unsettled = [d for d in report.disagreements if d.settled is None]
    typer.echo(f"\n{len(report.disagreements)} disagreements, {len(unsettled)} not settled; training rule: {SETTLE_RULE}")
    for d in unsettled[: limit or None]:
        typer.echo(f"- {d.text}  [{d.source}]")
        for annotator, frames in d.labels:
            typer.echo(f"    {annotator}: {', '.join(frames) or 'none'}")


@labels_app.command("import")
@user_errors
def labels_import(
    file: Path = typer.Argument(..., help="The tool's export: JSON or JSONL."),
    tool: str = typer.Option(..., "--from", help="label-studio, doccano or prodigy."),
    mapping: Optional[list[str]] = typer.Option(None, "--map", help="NAME=ID: the tool's label NAME is frame ID (repeatable)."),
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder (its codebook and files)."),
    into: Optional[Path] = typer.Option(None, "--into", help="Label file to append to (default: LABELS/imported.jsonl)."),
    source: Optional[str] = typer.Option(None, "--source", help="source for rows whose export names none "
                                         "(default: the export file's name)."),
) -> None:
    """Import a text-classification export (multi-label) from Label Studio, doccano or Prodigy.

    Label names map to codebook ids by --map NAME=ID, else by id or display name as they are.
    Rows with a label that does not map are left out and reported; rows already in the labels
    folder (same text and annotator) are not added twice.

    Example: frames labels import export.json --from label-studio --map Meddling=foreign_interference
    """
    from frames.codebook import load_codebook
    from frames.interchange import import_labels, label_map, read_export

    book = load_codebook(labels)
    rows, unusable = read_export(file, tool)
    target = into or labels / "imported.jsonl"
    report = import_labels(rows, label_map(book, mapping or []), target, labels, source or file.stem, unusable)
    typer.echo(f"added {report.added} rows to {target}; {report.duplicates} already there, "
               f"{report.conflicts} already there with other frames (left as they were), "
               f"{report.unusable} records without text or answer")
    for name, count in sorted(report.unmapped.items()):
        typer.echo(f"  not mapped: {name!r} ({count} rows left out); add --map {name}=FRAME_ID", err=True)


@labels_app.command("export")
@user_errors
def labels_export(
    tool: str = typer.Option(..., "--to", help="label-studio, doccano or prodigy."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (JSON for Label Studio, JSONL otherwise)."),
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder to export."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
) -> None:
    """Export every labelled sentence in a tool's import format, label names being frame ids.

    Example: frames labels export --to doccano --out for-doccano.jsonl
    """
    from frames.atomic import write_atomic
    from frames.interchange import check_export_target, export_labels
    from frames.labels import load_labels

    check_export_target(out, tool, force)
    label_set = load_labels(labels)
    write_atomic(out, export_labels(label_set.sentences, label_set.codebook, tool).encode("utf-8"))
    typer.echo(f"wrote {len(label_set.sentences)} sentences to {out}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="frames")


if __name__ == "__main__":
    sys.exit(main())
