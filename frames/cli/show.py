"""Commands that show why: explain and report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from frames.errors import FramesError

from .base import ANY_LANGUAGE, MODEL_OPTION, any_language_option, app, user_errors, warn_language

if TYPE_CHECKING:  # explain and report code is imported only when those commands run
    from frames.model.explain import FrameWeights, SentenceExplanation


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
    any_language: bool = any_language_option("the sentence"),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Why a sentence scored as it did: each frame's logit split exactly into intercept + one part per n-gram.

    The model is linear, so each n-gram in the sentence adds exactly its tf-idf value times the
    frame's coefficient. Listed: the n-grams pushing towards each frame and those pushing away, the
    sum of the rest, the probability and the threshold. Character n-grams show word edges as ␣.
    With --global, the n-grams the frame weighs most, for checking the model against the codebook.
    A sentence (or, with --sentence, an article) in another language than the model's is not
    explained, as `frames classify` does not score it: one warning line; --any-language explains it.

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
    if model_wide and any_language:
        raise typer.BadParameter("describes the model, not a text: drop --any-language, or drop --global",
                                 param_hint=ANY_LANGUAGE)
    if text == "-" and sentence is None:
        raise typer.BadParameter("- reads an article from standard input: add --sentence N to pick its sentence",
                                 param_hint="TEXT")
    from frames.model.explain import article_sentence, explain_sentences, frame_weights
    from frames.model.scoring import load_model

    loaded = load_model(model)
    if model_wide:
        weights = frame_weights(loaded, frame, top)
        if as_json:
            typer.echo(json.dumps({"model": str(loaded.path), **weights.to_dict()}, ensure_ascii=False, indent=1))
        else:
            _print_weights(weights)
        return
    from frames.text.language import detect_language, unscored_reason

    name, whole = "<sentence>", text
    if sentence is not None:
        from frames.text.articles import read_article

        article = read_article(text)
        name, whole = article.name, article.text
        text = article_sentence(article.text, sentence, article.name).text
    elif Path(text).is_file():
        raise FramesError(f"{text} is a file: add --sentence N to explain one of its sentences, or give the sentence itself")
    language = detect_language(whole)  # an article's language, not one short sentence's
    why = unscored_reason(language, loaded.language)
    warn_language(name, None if any_language else why, why if any_language else None)
    if why and not any_language:
        if as_json:
            typer.echo(json.dumps({"model": str(loaded.path), "sentence": sentence, "text": text, "scored": False,
                                   "language": language.to_dict(), "frames": None}, ensure_ascii=False, indent=1))
        else:
            typer.echo("not explained (see the warning)")
        return
    (explained,) = explain_sentences(loaded, [text], frame, top)
    if as_json:
        typer.echo(json.dumps({"model": str(loaded.path), "sentence": sentence, "scored": True,
                               "language": language.to_dict(), **explained.to_dict()}, ensure_ascii=False, indent=1))
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
    paths: list[Path] = typer.Argument(..., help="Article files, folders of *.txt articles, or a corpus file (.jsonl, "
                                       ".csv, .jsonl.gz, .csv.gz); - reads one article from standard input."),
    out: Path = typer.Option(..., "--out", "-o", help="The HTML page to write for one article (- prints it), or the folder for several."),
    sort_by: Optional[str] = typer.Option(None, "--sort-by", help="Sort the index of several articles by this frame's score, highest first."),
    top: int = typer.Option(5, "--top", "-n", min=1, help="N-grams listed each way per frame in each sentence's explanation."),
    force: bool = typer.Option(False, "--force", help="Replace a report frames wrote before (never any other file)."),
    articles: Optional[Path] = typer.Option(None, "--articles", help="A `frames batch` result: a page for each article it "
                                            "lists, read from PATHS, the folder or corpus file it scored."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="With --articles: only the N articles with the "
                                        "highest batch score for --sort-by's frame."),
    text_field: str = typer.Option("text", "--text-field", help="A corpus's field holding the article text."),
    id_field: str = typer.Option("id", "--id-field", help="A corpus's field holding the article id."),
    any_language: bool = any_language_option("every article"),
    model: Optional[Path] = MODEL_OPTION,
) -> None:
    """Write a self-contained HTML report: the frame profile, the text with frames highlighted, and why.

    One article gives one page: the profile as bars with thresholds, every frame-carrying sentence
    highlighted in its frame's colour, filters, and each sentence's scores and n-grams (as `frames
    explain` computes them). It makes no network request and prints legibly. Several articles, or a
    folder, give one page each plus index.html in the --out folder, sorted by --sort-by's score.
    So does a corpus file (one page per document), or a batch result with --articles: `frames
    report articles/ --articles scores.jsonl -o reports/ --sort-by FRAME --limit 20` reports the 20
    articles batch scored highest for FRAME.

    An article in another language than the model's is not scored, as in `frames classify`: one
    warning line, and its page and index row say "not scored (Russian)"; --any-language scores it.

    Example: frames report article.txt -o article.html
    """
    from frames.text.corpus import is_corpus

    corpus = len(paths) > 1 or any(p.is_dir() or is_corpus(p) for p in paths) or articles is not None
    if articles is not None and (len(paths) != 1 or str(paths[0]) == "-"):
        raise typer.BadParameter("with --articles, give the one folder or corpus file that `frames batch` scored",
                                 param_hint="PATHS")
    if limit is not None and articles is None:
        raise typer.BadParameter("picks from a batch result's scores: give --articles RESULT", param_hint="--limit")
    if (text_field, id_field) != ("text", "id") and not any(is_corpus(p) for p in paths):
        raise typer.BadParameter("name the fields of a corpus file; PATHS has none", param_hint="--text-field/--id-field")
    if len(paths) > 1 and any(is_corpus(p) for p in paths):
        raise typer.BadParameter("a corpus file makes a report folder of its own: give it alone", param_hint="PATHS")
    if corpus and any(str(p) == "-" for p in paths):
        raise typer.BadParameter("- reads one article from standard input; it cannot be mixed with other articles",
                                 param_hint="PATHS")
    if corpus and str(out) == "-":
        raise typer.BadParameter("several articles make several pages: give a folder, not -", param_hint="--out")
    if not corpus and sort_by is not None:
        raise typer.BadParameter("orders the index of several articles; give several articles or a folder",
                                 param_hint="--sort-by")
    from frames.model.scoring import load_model
    from frames.show.report_files import (article_page, check_folder_target, check_page_target, write_article_report,
                                     write_batch_report, write_corpus_file_report, write_corpus_report)

    if corpus:
        check_folder_target(out, force)
        if articles is not None:
            result = write_batch_report(load_model(model), articles, paths[0], out, sort_by, limit, force, top,
                                        text_field, id_field, any_language=any_language)
        elif is_corpus(paths[0]):
            result = write_corpus_file_report(load_model(model), paths[0], out, sort_by, force, top, text_field,
                                              id_field, any_language=any_language)
        else:
            result = write_corpus_report(load_model(model), paths, out, sort_by, force, top, any_language=any_language)
        for path, why in result.unscored:
            warn_language(path, why)
        for path, why in result.anyway:
            warn_language(path, None, why)
        typer.echo(f"wrote {len(result.pages)} page{'' if len(result.pages) == 1 else 's'} and {result.index}")
        for path, reason in result.skipped:
            typer.echo(f"  skipped {path}: {reason}", err=True)
        return
    from frames.text.articles import read_article
    from frames.text.language import detect_language, unscored_reason

    if str(out) != "-":
        check_page_target(out, force)
    loaded = load_model(model)
    article = read_article(paths[0])
    why = unscored_reason(detect_language(article.text), loaded.language)
    warn_language(article.name, None if any_language else why, why if any_language else None)
    if str(out) == "-":
        typer.echo(article_page(loaded, article, top, any_language=any_language), nl=False)
        return
    typer.echo(f"wrote {write_article_report(loaded, article, out, force, top, any_language=any_language)}")


@app.command()
@user_errors
def trends(
    results: list[Path] = typer.Argument(..., help="Files `frames batch` wrote (JSONL or CSV), their rows carrying a date (--meta date)."),
    by: Optional[list[str]] = typer.Option(None, "--by", "-b", help="A period (day, week, month, quarter, year; default month), "
                                           "and any row fields to group by too, e.g. --by month --by outlet; "
                                           "--by model puts rows of several models side by side."),
    date_field: str = typer.Option("date", "--date-field", help="The row field holding the article's date (YYYY-MM-DD)."),
    since: Optional[str] = typer.Option(None, "--since", help="Count articles dated from this day on: YYYY, YYYY-MM or YYYY-MM-DD."),
    until: Optional[str] = typer.Option(None, "--until", help="Count articles dated up to this day: YYYY, YYYY-MM (its last day) or YYYY-MM-DD."),
    page: Optional[Path] = typer.Option(None, "--out", "-o", help="Write a self-contained HTML page: the figure and the table."),
    png: Optional[Path] = typer.Option(None, "--png", help="Write the figure alone as PNG."),
    svg: Optional[Path] = typer.Option(None, "--svg", help="Write the figure alone as SVG."),
    table: Optional[Path] = typer.Option(None, "--csv", help="Write the table as CSV: one line per period, group and frame."),
    force: bool = typer.Option(False, "--force", help="Replace a page, table or figure frames wrote before (never any other file)."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON instead."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="The model that scored the rows (default: "
                                         "$FRAMES_MODEL, else the shipped model): its article error rates "
                                         "correct the shares."),
) -> None:
    """Frames over time: per period (and group), the articles, the share where each frame is present, and sentences.

    Reads batch rows with their metadata (`frames batch corpus.jsonl --meta date,outlet`). Per
    period, and per value of each other --by field: the number of articles; per frame, the share
    of articles where it is present with a 95% Wilson interval (the range of true shares the count
    is consistent with; wide when a period has few articles), and the mean share of the articles'
    sentences carrying it. When the rows were scored by --model, each share is also corrected for
    the model's article error rates (its false and missed verdicts, cross-validated on labelled real
    articles), with an interval that counts that uncertainty too. On the held-out articles the
    correction is not yet closer to the labelled shares than the raw count (README, "Corpus
    shares"): read both. Rows without a date, with a date that cannot be read, outside
    --since/--until or not scored are counted and reported, never dropped silently; a row repeating
    one already read (same id or path, text and model: a file given twice) is dropped and counted.
    Rows of several models are refused, as their shares do not compare; --by model shows them side
    by side. More than 50 groups get a warning.

    --csv writes the table (period, groups, frame, articles, present, share, interval, sentence
    share, corrected share and interval); each cell of the -o page lists the articles behind it.

    -o, --png and --svg draw the figure with matplotlib: pip install 'frames[plots]' (from a checkout:
    pip install '.[plots]').

    Example: frames trends scores.jsonl --by month --by outlet --since 2021-10 --until 2022-06 -o trends.html
    """
    from frames.show.trends import PERIODS, compute_trends

    periods = [b for b in by or () if b in PERIODS]
    if len(periods) > 1:
        raise typer.BadParameter(f"one period at a time, got {', '.join(periods)}", param_hint="--by")
    fields = tuple(b for b in by or () if b not in PERIODS)
    if len(set(fields)) < len(fields):
        raise typer.BadParameter("a field is given twice", param_hint="--by")
    if as_json and (page or png or svg or table):
        raise typer.BadParameter("prints the table; write files with -o/--png/--svg/--csv in another run", param_hint="--json")
    if page or png or svg or table:
        from frames.show.trends_page import check_trends_targets

        check_trends_targets(page, png, svg, force, table)
    result = compute_trends(list(results), periods[0] if periods else "month", fields, date_field, since, until,
                            _model_summary(model))
    if result.crowded:
        typer.echo(f"warning: {result.crowded}", err=True)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_trends(result)
    from frames.show.trends_page import account_lines

    for line in account_lines(result):
        typer.echo(line, err=True)
    typer.echo(result.correction, err=True)
    if page or png or svg or table:
        from frames.show.trends_page import write_trends

        written = write_trends(result, page, png, svg, force, table=table)
        for path in (written.table, written.page, written.png, written.svg):
            if path is not None:
                typer.echo(f"wrote {path}", err=True)


def _model_summary(folder: Optional[Path]):
    """The summary of the model that scored the rows, or None when there is no readable one."""
    from frames.errors import FramesError
    from frames.model.default_model import default_model_path
    from frames.model.versions import model_info

    try:
        return model_info(folder if folder is not None else default_model_path())
    except FramesError:
        if folder is not None:
            raise
        return None


def _print_trends(trends) -> None:
    """The trends table: per period and group, the articles and, per frame, share [95% CI] and sentences."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from frames.show.trends_page import interval, percent
    from frames.show.trends_plot import frame_title

    console = Console(highlight=False)
    widest = max((len(g) for r in trends.rows for g in r.group), default=0)
    console.width = max(console.width, 24 + (min(widest, 20) + 3) * len(trends.by) + 14 * len(trends.frames))  # not cropped
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False,
                  caption="per frame: the share of articles where it is present, its 95% Wilson interval, "
                          "the mean share of their sentences carrying it, and (\u2248) the share corrected for "
                          "the model's error rates with its 95% interval")
    table.add_column(trends.period, no_wrap=True)
    for field in trends.by:
        table.add_column(field, overflow="fold")
    table.add_column("articles", justify="right")
    for fid in trends.frames:
        table.add_column(frame_title(fid), justify="right", overflow="fold", min_width=11)
    previous = None
    for row in trends.rows:
        if previous is not None and row.group != previous:
            table.add_section()
        previous = row.group
        cells = [Text(f"{percent(f.share)}\n{interval(f.low, f.high)}\n{percent(f.sentence_share, 1)} sent."
                      + (f"\n\u2248{percent(f.corrected.share)} {interval(f.corrected.low, f.corrected.high)}"
                         if f.corrected else ""))
                 if row.n else Text("\u2014", style="dim") for f in row.frames]
        table.add_row(row.period, *row.group, str(row.n), *cells, style="dim" if not row.n else None)
    console.print(table)
