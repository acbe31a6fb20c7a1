"""Commands that show why: explain and report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from frames.errors import FramesError

from .app import MODEL_OPTION, app, user_errors

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
