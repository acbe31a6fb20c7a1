"""Commands for labels: label, and the labels group (check, agreement, import, export)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from frames.errors import FramesError

from .base import MODEL_OPTION, app, labels_app, user_errors


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
    from frames.labels.codebook import find_codebook
    from frames.training.labelling import LabelFile, LabelSession, plan, read_sources
    from frames.model.scoring import load_model

    if sum(bool(x) for x in (uncertain, random_n)) > 1:
        raise FramesError("--uncertain and --random clash: choose one way to sample")
    target = labels_file or Path("labels/articles/annotations.jsonl" if articles else "labels/annotations.jsonl")
    answers = LabelFile(target, "article" if articles else "sentence")  # checks the target before any work
    loaded = load_model(model)
    book = find_codebook(target, codebook, loaded.path, tuple(zip(loaded.frames, loaded.frame_names)))
    sources, problems = read_sources(paths, target, text_field, id_field)
    for problem in problems:
        typer.echo(f"warning: {problem}", err=True)
    mode = "uncertain" if uncertain else "random" if random_n else "whole"
    items = plan(sources, target, mode, uncertain or random_n, seed, loaded, articles)
    if not items:
        typer.echo("nothing to label: everything here is labelled already")
        return
    session = LabelSession(items, answers, annotator, book.ids, mode)
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


def _show(session, loaded, column: dict, articles: bool) -> None:
    """Print the current item: its place, context, the model's scores and the frame keys."""
    current = session.current
    typer.echo(f"\n[{session.position + 1}/{len(session.candidates)}] {current.source}")
    if articles:
        result = loaded.classify(current.text, top=0)
        typer.echo("\n".join("    " + line for line in current.text.splitlines() if line.strip()))
        if not result.scored:  # no model scores to show beside the keys: the model does not read it
            typer.echo(f"  (no scores: {result.unscored})")
            typer.echo("  " + " | ".join(f"{key} {fid}" for key, fid in session.keys.items()))
            return
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


@labels_app.command("check")
@user_errors
def labels_check(
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder to check."),
) -> None:
    """Check every label file: JSON, text, frames known to the codebook, no conflicting duplicates;
    and the behavioural tests in behaviour/ (their own row format).

    Prints each problem as FILE:LINE: what is wrong, and exits 1 if there is any. A corpus that is
    not where labels/corpora.json says is one line, with the number of rows that point into it.

    Example: frames labels check --labels labels
    """
    from frames.labels.behaviour import read_behaviour
    from frames.labels.codebook import load_codebook
    from frames.labels.store import FOLDER_FILES, check_labels, ignored_files, label_files

    problems = check_labels(labels)
    if labels.is_dir() and (labels / "codebook.json").is_file():  # the behavioural tests, in their own format
        problems += read_behaviour(labels, load_codebook(labels).ids)[1]
    for path in ignored_files(labels):
        typer.echo(f"warning: {path}: ignored: labels are read from *.jsonl files (one row a line); the only "
                   f"*.json files read are the folder's {', '.join(FOLDER_FILES)}", err=True)
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
    An annotator whose rows do not judge a frame (partial rows, with "absent") is left out of it.
    Settle one by adding a row with the same text and "settled": true; training uses it.

    Example: frames labels agreement --labels labels
    """
    from frames.labels.agreement import PARTIAL_RULE, SETTLE_RULE, agreement
    from frames.labels.store import load_labels

    label_set = load_labels(labels)
    for problem in label_set.missing:
        typer.echo(f"warning: {problem}; these rows are left out", err=True)
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
    rule = PARTIAL_RULE if any(s.known is not None for s in label_set.sentences) else SETTLE_RULE
    typer.echo(f"\n{len(report.disagreements)} disagreements, {len(unsettled)} not settled; training rule: {rule}")
    for d in unsettled[: limit or None]:
        typer.echo(f"- {d.text}  [{d.source}]")
        judged = dict(d.known)
        for annotator, frames in d.labels:
            only = judged.get(annotator)
            note = "" if only is None else f"  (judged only {', '.join(only)})"
            typer.echo(f"    {annotator}: {', '.join(frames) or 'none'}{note}")


@labels_app.command("import")
@user_errors
def labels_import(
    file: Path = typer.Argument(..., help="The tool's export: JSON or JSONL; for doccano also CSV or the zip download."),
    tool: str = typer.Option(..., "--from", help="label-studio, doccano or prodigy."),
    mapping: Optional[list[str]] = typer.Option(None, "--map", help="NAME=ID: the tool's label NAME is frame ID (repeatable)."),
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder (its codebook and files)."),
    into: Optional[Path] = typer.Option(None, "--into", help="Label file to append to (default: LABELS/imported.jsonl)."),
    source: Optional[str] = typer.Option(None, "--source", help="source for rows whose export names none "
                                         "(default: the export file's name)."),
    text_key: str = typer.Option("text", "--text-key", help="Label Studio: the task data key holding the sentence."),
    from_name: Optional[str] = typer.Option(None, "--from-name", help="Label Studio: the Choices control holding "
                                            "the frames (needed when the project has several)."),
    empty_means_none: bool = typer.Option(False, "--empty-means-none", help="doccano: an empty label list means "
                                          "\"no frame\" (by default such examples may be unlabelled, and are skipped)."),
) -> None:
    """Import a text-classification export (multi-label) from Label Studio, doccano or Prodigy.

    Label names map to codebook ids by --map NAME=ID, else by id or display name as they are.
    Rows with a label that does not map are left out and reported; rows already in the labels
    folder (same text and annotator) are not added twice. An answer that judges only some frames
    (a Prodigy binary answer, a rejected choice) becomes a partial row: the frames it does not
    judge stay unknown. Skipped, cancelled, ignored and unanswered records are counted, not imported.

    Example: frames labels import export.json --from label-studio --map Meddling=foreign_interference
    """
    from frames.labels.codebook import load_codebook
    from frames.labels.interchange import ReadOptions, import_labels, label_map, read_export
    from frames.labels.labelfile import check_label_target

    if tool != "label-studio" and (text_key != "text" or from_name is not None):
        raise typer.BadParameter("reads Label Studio exports only; drop it or use --from label-studio",
                                 param_hint="--text-key/--from-name")
    if tool != "doccano" and empty_means_none:
        raise typer.BadParameter("reads doccano exports only; drop it or use --from doccano",
                                 param_hint="--empty-means-none")
    target = into or labels / "imported.jsonl"
    check_label_target(target)
    book = load_codebook(labels)
    reading = read_export(file, tool, ReadOptions(text_key, from_name, empty_means_none))
    report = import_labels(reading, label_map(book, mapping or []), target, labels, source or file.stem)
    typer.echo(f"read {report.read} records from {file}: added {report.added} rows to {target}; "
               f"skipped {report.unknown} as unknown (no answer, or one that says nothing about the frames), "
               f"{report.unmapped_rows} as unmapped, {report.unusable} without text; "
               f"{report.duplicates} already there, {report.conflicts} already there with other frames "
               f"(left as they were)")
    for name, count in sorted(report.unmapped.items()):
        typer.echo(f"  not mapped: {name!r} ({count} rows left out); add --map {name}=FRAME_ID", err=True)
    if report.as_text:
        typer.echo(f"warning: {report.as_text} rows pointed into a corpus and were written with their text "
                   f"({report.as_text_reason}); register the corpus in {labels}/corpora.json and import again "
                   "to keep them as references", err=True)


@labels_app.command("export")
@user_errors
def labels_export(
    tool: str = typer.Option(..., "--to", help="label-studio, doccano or prodigy."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (JSON for Label Studio, JSONL otherwise)."),
    labels: Path = typer.Option(Path("labels"), "--labels", "-l", help="Labels folder to export."),
    force: bool = typer.Option(False, "--force", help="Replace --out (and the Label Studio config) if it exists."),
) -> None:
    """Export every labelled sentence in a tool's import format, label names being frame ids.

    For Label Studio it also writes the matching labelling config (<View> XML) beside --out, as
    OUT with the extension .config.xml. Label Studio and doccano have no way to say a frame is
    unknown, so partial rows are left out of their exports (and counted); Prodigy gets them as
    binary answers. The annotator, "settled", "note", "sample" and a reference row's corpus, doc,
    start, end and sha travel in the tool's metadata (doccano: extra keys on the example; Label
    Studio and Prodigy: the task's meta), so `frames labels import` gives the same rows back.

    Example: frames labels export --to doccano --out for-doccano.jsonl
    """
    from frames.files.atomic import write_atomic
    from frames.labels.interchange import check_export_target, export_labels, export_paths
    from frames.labels.store import load_labels

    check_export_target(out, tool, force)
    label_set = load_labels(labels)
    for problem in label_set.missing:
        typer.echo(f"warning: {problem}; these rows are left out", err=True)
    exported = export_labels(label_set.sentences, label_set.codebook, tool)
    path, config = export_paths(out, tool)
    write_atomic(path, exported.text.encode("utf-8"))
    typer.echo(f"wrote {exported.written} sentences to {path}")
    if config is not None and exported.config is not None:
        write_atomic(config, exported.config.encode("utf-8"))
        typer.echo(f"wrote the labelling config to {config}: paste it in Settings > Labeling Interface > Code")
    for caveat in exported.caveats:
        typer.echo(f"note: {caveat}", err=True)
    if exported.left_out:
        typer.echo(f"left out {exported.left_out} partial rows: {tool} cannot say a frame is unknown, "
                   "and would read them as complete", err=True)
