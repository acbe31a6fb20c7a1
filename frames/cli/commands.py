"""The main commands: classify, train, models, evaluate, batch."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from frames.errors import FramesError

from .base import MODEL_OPTION, any_language_option, print_scores, app, user_errors


@app.command()
@user_errors
def classify(
    paths: list[str] = typer.Argument(..., help="Article files (text or HTML), or - to read standard input."),
    top: int = typer.Option(3, "--top", "-n", min=0, help="Evidence sentences to show per frame."),
    as_json: bool = typer.Option(False, "--json", help="Print the full profile and every sentence's scores as JSON "
                                 "(with several articles: one JSON object a line)."),
    any_language: bool = any_language_option(),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Score articles: each frame's article score, presence, share of sentences, and evidence.

    A frame's score is its highest sentence probability (calibrated on real text). Whether the
    article pushes the frame ("present") is the model's article rule, chosen on labelled real
    articles; "why" says what the rule saw, e.g. how many sentences are over the threshold.

    An article in another language than the model's (English) is not scored: one warning line,
    and in --json "scored": false with null scores. A web page is scored on its extracted article
    text. With several articles, --json prints one JSON object a line (JSONL), in the order given;
    an article that cannot be read is reported and the others are still scored (exit status 1).
    A corpus file (.jsonl, .csv, .jsonl.gz: one article a row) is refused: `frames batch` or
    `frames report` score its articles one by one.

    Example: frames classify article.txt --top 5
    """
    from .classify import classify_articles

    status = classify_articles(paths, top, as_json, any_language, model)
    if status:
        raise typer.Exit(status)


@app.command()
@user_errors
def train(
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder: codebook.json and *.jsonl files."),
    out: Path = typer.Option(..., "--out", "-o", help="Model folder to write, e.g. models/NAME."),
    force: bool = typer.Option(False, "--force", help="Replace a model already at --out."),
) -> None:
    """Train a model on a labels folder, choosing features and C by cross-validation grouped by source.

    Writes model.json, vocabulary.npz, weights.npz and metrics.json to --out (never over an
    existing model without --force), then prints the out-of-fold scores per frame beside the
    previous model's (the one replaced, else the default model), with the change.

    Sentences labelled by several annotators are settled first: a row marked "settled": true
    wins, else a frame is kept when more than half of the annotators gave it. Rows pointing into
    a corpus that is not where labels/corpora.json says are left out, with one warning per corpus.

    Example: frames train --labels labels --out models/mine
    """
    from frames.labels.store import missing_corpora
    from frames.training.fit import check_out, train as run_training

    check_out(out, force)
    for problem in missing_corpora(labels):
        typer.echo(f"warning: {problem}; training on the other rows", err=True)
    typer.echo(f"training on {labels} ...", err=True)
    result = _train_with_progress(run_training, labels, out, force)
    domains = ", ".join(f"{name} {ap:.3f}" for name, ap in result.chosen.domain_ap)
    typer.echo(f"{result.n_sentences} sentences, {result.n_groups} sources, {result.n_folds}-fold grouped CV; "
               f"chose {result.chosen.features}, C={result.chosen.C:g}, written weight "
               f"{result.chosen.written_weight:g} (mean AP {result.chosen.mean_ap:.3f}: the mean of {domains}); "
               f"evidence of sentences under {result.evidence_words} words scaled down; "
               f"{result.n_heldout_documents} documents held out")
    if result.rule is not None:
        tried = ", ".join(f"{s.kind}/F{s.beta:g} {s.macro_f1:.3f} ({_rate(s.false_alarm)})" for s in result.rule.scores)
        typer.echo(f"article rule: {result.rule.rule.kind}, chosen on {result.rule.n_articles} labelled articles for "
                   f"precision: the best cross-validated macro-F1 among rules flagging at most 10% of no-frame "
                   f"articles (rule/cuts fitted by F-beta, macro-F1 (false alarms): {tried})")
    if result.settled.n_multi or result.settled.n_settled:
        typer.echo(f"settled {result.settled.n_multi} sentences labelled by several annotators "
                   f"({result.settled.n_ties} tied frames dropped) and used {result.settled.n_settled} settled rows; "
                   f"rule: {result.settled.rule}")
    print_scores(result.evaluation.to_dict(), "\nout-of-fold, all rows")
    if result.real is not None:
        print_scores(result.real.to_dict(), "\nout-of-fold, real rows only")
    if "kazakh_press" in result.by_domain:
        print_scores(result.by_domain["kazakh_press"].to_dict(),
                     "\nout-of-fold, the Kazakhstan press (the team's written batches and the seed articles)")
    if result.heldout is not None:
        print_scores(result.heldout.to_dict(), "\nHELD-OUT real test split, sentences")
    for sample, evaluation in result.heldout_by_sample.items():
        positives = ", ".join(f"{fid} {score.support}" for fid, score in evaluation.frames.items())
        alarms = "\u2014" if evaluation.false_alarm is None else f"{evaluation.false_alarm:.3f}"
        typer.echo(f"  held-out {sample} rows: macro-F1 {evaluation.macro_f1:.3f}, false alarms {alarms} "
                   f"({evaluation.n} sentences; positives: {positives})")
    if result.heldout_articles is not None:
        print_scores(result.heldout_articles.to_dict(), "\nHELD-OUT real test split, articles", "articles")
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
    from frames.training.evaluation import figure

    for fid, s in [*rows.items(), ("macro-F1", {"f1": scores["macro_f1"]})]:
        before = previous.oof_macro_f1 if fid == "macro-F1" else previous.oof_f1.get(fid)
        if before is None or s["f1"] is None:
            typer.echo(f"{fid:<{width}}  {figure(s['f1'], 5)}     {figure(before, 5)}  "
                       f"{'new' if before is None else '':>6}")
        else:
            typer.echo(f"{fid:<{width}}  {s['f1']:5.3f}     {before:5.3f}  {s['f1'] - before:+6.3f}")


@app.command("models")
@user_errors
def models_command(
    folder: Optional[Path] = typer.Argument(None, help="Folder holding model folders (default: the folder of the "
                                            "default model, so the shipped model is listed from anywhere)."),
) -> None:
    """List the models in a folder: name, date, frames, labelled sentences, data hash, and two macro-F1
    figures: out-of-fold (cross-validated on the training rows, real rows when there are any) and on
    the frozen held-out split (rows never trained on; blank when the model has none). A model folder
    that cannot be read is listed as broken, with why; the others are listed all the same.

    Example: frames models models
    """
    from frames.model.versions import models_folder, scan_models
    from frames.training.evaluation import figure

    listing = scan_models(folder)
    if not listing.models and not listing.broken:
        typer.echo(f"no models in {folder or models_folder()}")
        return
    typer.echo(f"{'name':<16} {'trained':<20} {'sentences':>9}  {'data':<12} {'OOF macro-F1':>12}  "
               f"{'held-out macro-F1':>17}  frames")
    for m in listing.models:
        typer.echo(f"{m.name:<16} {m.trained_at:<20} {m.n_sentences:>9}  {m.data_sha256[:12]:<12} "
                   f"{figure(m.oof_macro_f1, 12)}  {figure(m.heldout_macro_f1, 17)}  {', '.join(m.frames)}")
    for path, reason in listing.broken:
        typer.echo(f"{path.name:<16} BROKEN: {reason}")
    if listing.broken:
        typer.echo(f"{len(listing.broken)} model folder(s) cannot be read; retrain them or remove them", err=True)
        raise typer.Exit(1)


@app.command()
@user_errors
def evaluate(
    labels: Optional[Path] = typer.Option(None, "--labels", "-l", help="A labelled JSONL file of sentences to score; "
                                          "with --heldout, the labels folder (default: labels)."),
    articles: Optional[Path] = typer.Option(None, "--articles", "-a", help="A JSONL file of whole articles labelled "
                                            "with the frames they push (see labels/articles/), scored at article level."),
    heldout: bool = typer.Option(False, "--heldout", help="Score the labels folder's frozen held-out split "
                                 "(test-split.json): the sentence and article rows of its documents, never trained on."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Score the good rows even if some are malformed "
                                  "(default: exit 1 on the first malformed row)."),
    models: Optional[list[Path]] = typer.Option(
        None, "--model", "-m", help="Model folder; give it twice to compare two models (default: the shipped model)."),
    behaviour: Optional[Path] = typer.Option(None, "--behaviour", "-b", metavar="LABELS",
                                             help="Run the behavioural tests of a labels folder (its behaviour/ "
                                                  "minimal pairs, never trained on): pass rate per capability."),
) -> None:
    """Score labelled sentences (--labels), whole articles (--articles) or the behavioural tests
    (--behaviour) with a model. Sentences and articles: per-frame
    precision, recall, F1, support, macro-F1 over the frames with support, and the false-alarm rate
    (the share of items with no frame that get one). A figure with nothing to measure (a frame
    without support, or precision when nothing was predicted) is shown as a dash (null in JSON).

    --heldout scores the frozen held-out split of the labels folder instead: the documents of its
    test-split.json, which `frames train` never trains on. A file inside a labels folder whose rows
    lie outside its held-out split gets a warning: a model trained on that folder has seen them,
    so the figures flatter it. Frames the model does not know, and rows pointing into a corpus that
    is not there, are reported and left out. With two or more --model, each is scored on the same
    rows and the F1 scores are shown side by side; --json then prints {"models": [{"model": DIR, ...}]}.

    The behavioural tests (--behaviour) are minimal pairs grouped by capability (a neutral mention
    of NATO, sanctions that hurt against sanctions that failed, a debunked claim...): a sentence
    passes when the model's verdict on the pair's frame is the labelled one; the table shows, per
    capability, sentences and pairs passed, CheckList style.

    Example: frames evaluate --heldout --labels labels --model models/default
    Example: frames evaluate --behaviour labels
    """
    from frames.labels.references import MissingCorpus
    from frames.training.evaluation import (compare_table, evaluate_article_file, evaluate_file, evaluate_heldout,
                                            seen_in_training)
    from frames.model.scoring import load_model

    if behaviour is not None:
        if heldout or labels is not None or articles is not None:
            raise typer.BadParameter("runs the behavioural tests alone: drop --labels, --articles and --heldout",
                                     param_hint="--behaviour")
        if models and len(models) > 1:
            raise FramesError("--behaviour scores one model at a time; give one --model")
        _behaviour(behaviour, load_model(models[0] if models else None), as_json)
        return
    if heldout and articles is not None:
        raise typer.BadParameter("scores the held-out sentences and articles of a labels folder: drop --articles, "
                                 "or drop --heldout", param_hint="--heldout")
    if not heldout and (labels is None) == (articles is None):
        raise FramesError("give --labels FILE (sentences), --articles FILE (whole articles), --heldout, or "
                          "--behaviour LABELS (the behavioural tests of a labels folder)")
    if heldout:
        folder = labels or Path("labels")
        results = []
        for model in map(load_model, models or [None]):
            held = evaluate_heldout(model, folder)
            trained_with = model.data.training.get("heldout_documents")
            if isinstance(trained_with, int) and trained_with < held.n_documents:
                typer.echo(f"warning: {model.path} was trained with {trained_with} documents held out; the split "
                           f"has {held.n_documents} now, and the model may have been trained on the "
                           f"{held.n_documents - trained_with} added since: retrain it for clean figures", err=True)
            results.append((str(model.path), held.to_dict()))
        if as_json:
            typer.echo(json.dumps(results[0][1] if len(results) == 1 else
                                  {"models": [{"model": name, **held} for name, held in results]}, indent=1))
            return
        for level, unit in (("sentences", "sentences"), ("articles", "articles")):
            if results[0][1][level] is None:
                continue
            title = f"{folder}: HELD-OUT split ({results[0][1]['documents']} documents), {level}"
            if len(results) == 1:
                print_scores(results[0][1][level], title, unit)
            else:
                typer.echo(f"{title}: F1 by model")
                for line in compare_table([(name, held[level]) for name, held in results]):
                    typer.echo(line)
        return
    target = labels or articles
    unit = "sentences" if labels else "articles"
    seen = seen_in_training(target, articles=labels is None)
    if seen is not None:
        typer.echo(f"warning: {seen.seen} of {seen.total} {unit} in {target} are outside the held-out split of "
                   f"{seen.labels_dir} (test-split.json), so a model trained there was trained on them and these "
                   f"figures flatter it; `frames evaluate --heldout --labels {seen.labels_dir}` scores only rows "
                   "it never saw", err=True)
    results = []
    warned: set[str] = set()
    for path in models or [None]:
        model = load_model(path)
        evaluation, problems = (evaluate_file if labels else evaluate_article_file)(model, target)
        missing = [p for p in problems if isinstance(p, MissingCorpus)]
        problems = [p for p in problems if not isinstance(p, MissingCorpus)]
        malformed = [p for p in problems if not p.message.startswith("unknown frame")]
        if malformed and not skip_bad:
            raise FramesError(f"{malformed[0]}; fix the row, or add --skip-bad to score the good rows only")
        for problem in missing + problems:  # about the rows, not the model: each said once
            if str(problem) not in warned:
                warned.add(str(problem))
                typer.echo(f"warning: {problem}", err=True)
        results.append((str(model.path), evaluation.to_dict()))
    if len(results) == 1:
        scores = results[0][1]
        if as_json:
            typer.echo(json.dumps(scores, indent=1))
        else:
            print_scores(scores, f"{target}", unit)
        return
    if as_json:
        typer.echo(json.dumps({"models": [{"model": name, **scores} for name, scores in results]}, indent=1))
        return
    typer.echo(f"{target}: F1 by model")
    for line in compare_table(results):
        typer.echo(line)


def _behaviour(labels: Path, model, as_json: bool) -> None:
    """Run and print the behavioural tests of a labels folder."""
    from frames.labels.behaviour import read_behaviour
    from frames.training.behaviour import run_behaviour

    if not labels.is_dir():
        raise FramesError(f"{labels}: no such folder; give the labels folder that holds behaviour/")
    cases, problems = read_behaviour(labels, model.frames)
    if problems:
        raise FramesError(f"{problems[0]}; fix the row (frames labels check lists them all)")
    report = run_behaviour(model, cases)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=1))
        return
    typer.echo(f"{labels}/behaviour: {report.passed} of {report.total} sentences pass ({report.rate:.0%})")
    typer.echo(f"  {'capability':<26} {'sentences':>12} {'rate':>6} {'pairs':>9}")
    for c in report.capabilities:
        typer.echo(f"  {c.capability:<26} {c.passed:>5} of {c.total:<4} {c.rate:>6.0%} {c.pairs_passed:>3} of {c.pairs:<3}")


def _train_with_progress(run_training, labels: Path, out: Path, force: bool):
    """Train, with a progress bar (stage, step, time left) on a terminal."""
    if not sys.stderr.isatty():
        return run_training(labels, out, force)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("loading labels", total=None)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        return run_training(labels, out, force, update)


def _rate(value: float | None) -> str:
    return "\u2014" if value is None else f"{value:.0%}"


SKIPS_SHOWN = 50  # skipped articles listed after a batch run; all of them are in the errors file


@app.command()
@user_errors
def batch(
    folder: Path = typer.Argument(..., metavar="FOLDER|CORPUS", help="Folder of article files, or a corpus file "
                                  "with one article a row (.jsonl, .csv, .jsonl.gz, .csv.gz)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (.csv or .jsonl); default: JSONL to standard output."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="csv or jsonl (default: from --out's extension)."),
    pattern: str = typer.Option("*.txt", "--glob", "-g", help="File-name pattern of the articles."),
    recursive: bool = typer.Option(True, "--recursive/--no-recursive", help="Look in subfolders too."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted --out: skip articles already in it."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first file that cannot be scored (exit 1)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out instead of refusing."),
    evidence: int = typer.Option(0, "--evidence", "-e", help="Top evidence sentences per frame in each row (CSV: "
                                 "a <frame>_evidence column, sentences joined by ' | ')."),
    excel: bool = typer.Option(False, "--excel", help="Start the CSV with a UTF-8 byte-order mark, so Excel opens "
                               "it as UTF-8 (Cyrillic and quotes intact)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="joblib backend for the workers, e.g. loky or dask (default: workers forked "
                                   "from this process on Linux, loky elsewhere)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, with --backend dask."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    any_language: bool = any_language_option("every article"),
    text_field: str = typer.Option("text", "--text-field", help="A corpus's field holding the article text."),
    id_field: str = typer.Option("id", "--id-field", help="A corpus's field holding the article id, which rows keep."),
    meta: Optional[str] = typer.Option(None, "--meta", help="Fields each row keeps, comma-separated, e.g. date,outlet: "
                                       "a corpus's own, or columns of --meta-file; FIELD=NAME keeps one under "
                                       "another name, e.g. language=source_language."),
    meta_file: Optional[Path] = typer.Option(None, "--meta-file", help="For a folder: a CSV of metadata with a "
                                             "'path' column (relative to FOLDER); rows keep its columns (or --meta's)."),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Score every article in a folder or corpus file: one row per article, in order, streamed to CSV or JSONL.

    A corpus file (JSONL, CSV or gzipped, one article a row) is read as it is: --text-field and
    --id-field name its fields, and rows keep the id instead of a path, in the file's order, with
    the fields --meta names in "meta" (CSV: as columns). A bad row (malformed JSON, no text, not
    UTF-8, an id given twice) is skipped and named FILE:LINE; rows repeating an earlier row's id and
    text are left out and counted in one line. A folder's articles take metadata from a CSV with
    --meta-file. `frames trends` reads the dates and outlets kept this way. A field named like the
    row's own (language, path...) is kept under another name with --meta language=source_language.

    --evidence N adds each frame's N top evidence sentences (CSV: <frame>_evidence columns, joined
    by " | "). --excel starts a CSV with a UTF-8 byte-order mark, so Excel opens it as UTF-8.

    Each row holds the article's path (relative to FOLDER), the sha256 of its bytes, its number of
    sentences, its language, and per frame the score, presence and share exactly as `frames classify`
    computes them. An article in another language than the model's gets a row with "scored": false
    and no scores. Rows are written and flushed one by one, so an interrupted run leaves a valid file.

    --resume skips articles whose path and hash are already in --out and appends the rest. An
    article whose content changed since it was scored is scored again, and when the run completes
    its old row is dropped: the file is rewritten in path order with one row per article, and the
    summary says how many rows were replaced. Rows of files no longer in FOLDER are kept.

    Files that cannot be read, are binary or empty, or hold no sentences, broken links, folders
    that cannot be read, and links that loop back or lead to a folder or article already read are skipped with
    a reason, listed in the summary and in FILE.errors.jsonl beside --out (--strict stops at them).

    Exit codes: 0 done (even with skipped files); 1 stopped by a bad file under --strict, or a bad
    folder, model or output; 2 usage error; 130 interrupted (the output is valid: rerun with --resume).

    Example: frames batch articles/ --out scores.csv --jobs 2 --resume
    """
    from frames.batch.run import BatchOptions, output_format, run_batch

    fmt = output_format(out, fmt)
    options = BatchOptions(root=folder, out=out, format=fmt, pattern=pattern, recursive=recursive, jobs=jobs,
                           resume=resume, strict=strict, force=force, evidence=evidence, model=model,
                           backend=backend, scheduler=scheduler, any_language=any_language,
                           text_field=text_field, id_field=id_field, meta_file=meta_file, excel=excel,
                           meta=tuple(name.strip() for name in meta.split(",")) if meta else ())
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
    typer.echo(f"scored {summary.scored - summary.not_scored}"
               + (f", not scored {summary.not_scored} (not in the model's language; --any-language scores them)"
                  if summary.not_scored else "")
               + f", unchanged {summary.unchanged}, skipped {len(summary.skipped)}"
               + (f", replaced {summary.replaced} stale rows" if summary.replaced else "")
               + f" in {summary.seconds:.1f}s ({summary.articles_per_second:.1f} articles/s, "
               f"{summary.megabytes_per_second:.2f} MB/s)", err=True)
    for skip in summary.skipped[:SKIPS_SHOWN]:
        typer.echo(f"  skipped {skip.path}: {skip.reason}", err=True)
    if len(summary.skipped) > SKIPS_SHOWN:
        typer.echo(f"  ... and {len(summary.skipped) - SKIPS_SHOWN} more", err=True)
    if summary.skipped and summary.errors_file:
        typer.echo(f"  (also in {summary.errors_file})", err=True)
