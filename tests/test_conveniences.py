"""What a new user expects: --version and -h, several articles at once, PATH in usage lines, errors that name
the real problem ($FRAMES_MODEL, a missing folder), `frames models` from anywhere, --strict on links,
and the codebook shipped inside the model folder."""

from __future__ import annotations

import json
import shutil

import pytest
import typer
from typer.testing import CliRunner

from frames import __version__
from frames.cli import app
from frames.labels.codebook import find_codebook

from conftest import DEFAULT_MODEL, LABELS

runner = CliRunner()


def run(*args, input=None, env=None):
    return runner.invoke(app, [str(a) for a in args], input=input, env=env, prog_name="frames")


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"frames {__version__}\n"


@pytest.mark.parametrize("args", [["-h"], ["classify", "-h"], ["labels", "-h"], ["labels", "check", "-h"]])
def test_dash_h_is_help(args):
    result = run(*args)
    assert result.exit_code == 0 and result.stdout.startswith("Usage: frames ")


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    found = [f"{prefix}{c.name or c.callback.__name__}" for c in group.registered_commands]
    for sub in group.registered_groups:
        found += _commands(sub.typer_instance, f"{prefix}{sub.name} ")
    return found


@pytest.mark.parametrize("name", _commands(app))
def test_usage_lines_name_arguments_in_capitals(name):
    usage = run(*name.split(), "--help").stdout.splitlines()[0]
    assert usage.startswith(f"Usage: frames {name} [OPTIONS]")
    assert "{" not in usage and usage == usage.replace(usage[len(f"Usage: frames {name}"):],
                                                       usage[len(f"Usage: frames {name}"):].upper())


def test_usage_of_classify_and_models():
    assert run("classify", "--help").stdout.startswith("Usage: frames classify [OPTIONS] PATH...\n")
    assert run("models", "--help").stdout.startswith("Usage: frames models [OPTIONS] [FOLDER]\n")


def test_classify_several_articles_as_text_and_jsonl(article, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Trade between the allies grew. It rained.", encoding="utf-8")
    result = run("classify", article, other)
    assert result.exit_code == 0, result.output
    heads = [line for line in result.stdout.splitlines() if "; model default" in line]
    assert [h.split(":")[0] for h in heads] == [str(article), str(other)]
    result = run("classify", article, other, "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["article"] for r in rows] == [str(article), str(other)] and all(r["schema"] == 3 for r in rows)
    single = json.loads(run("classify", article, "--json").stdout)
    assert rows[0] == single  # one article: the same object, indented


def test_classify_goes_on_past_a_bad_article_and_exits_1(article, tmp_path):
    result = run("classify", tmp_path / "missing.txt", article, "--json")
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'missing.txt'}: no such file\n"
    assert json.loads(result.stdout)["article"] == str(article)


def test_frames_model_errors_name_the_variable(article, tmp_path):
    result = run("classify", article, env={"FRAMES_MODEL": str(tmp_path / "gone")})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: $FRAMES_MODEL is set to {tmp_path / 'gone'}, which is not a usable "
                                    f"model: {tmp_path / 'gone'}: no such folder")
    assert "unset it" in result.stderr and len(result.stderr.splitlines()) == 1
    result = run("classify", article, env={"FRAMES_MODEL": str(tmp_path)})
    assert result.exit_code == 1 and "$FRAMES_MODEL is set to" in result.stderr and "incomplete model" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["labels", "check", "--labels", "{tmp}/nolabels"], "error: {tmp}/nolabels: no such folder"),
    (["models", "{tmp}/nomodels"], "error: {tmp}/nomodels: no such folder"),
    (["classify", "{article}", "--model", "{tmp}/nomodel"], "error: {tmp}/nomodel: no such folder"),
    (["batch", "{tmp}/noarticles"], "error: {tmp}/noarticles: no such folder"),
    (["train", "--labels", "{tmp}/nolabels", "--out", "{tmp}/m"], "error: {tmp}/nolabels: no such folder"),
])
def test_a_missing_folder_says_no_such_folder(args, message, tmp_path, article):
    fill = {"tmp": tmp_path, "article": article}
    result = run(*[a.format(**fill) for a in args])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.exit_code == 1 and len(errors) == 1 and errors[0].startswith(message.format(**fill)), result.stderr


def test_a_labels_folder_without_codebook_still_says_so(tmp_path):
    result = run("labels", "check", "--labels", tmp_path)
    assert result.exit_code == 1 and "no codebook here" in result.stderr


def test_models_lists_the_shipped_model_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRAMES_MODEL", raising=False)
    result = run("models")
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert DEFAULT_MODEL.name in names


def test_models_lists_the_folder_of_frames_model(tmp_path, monkeypatch, tiny_model):
    shutil.copytree(tiny_model, tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAMES_MODEL", str(tmp_path / "mine"))
    result = run("models")
    assert result.exit_code == 0 and [line.split()[0] for line in result.stdout.splitlines()[1:]] == ["mine"]


@pytest.fixture
def linked(tmp_path):
    """Articles with a broken link, a link loop and a second link to a folder already read."""
    root = tmp_path / "articles"
    (root / "real").mkdir(parents=True)
    (root / "real" / "a.txt").write_text("Officials accused the West of meddling. Trade grew.", encoding="utf-8")
    (root / "real" / "up").symlink_to(root, target_is_directory=True)
    (root / "also-real").symlink_to(root / "real", target_is_directory=True)
    (root / "gone.txt").symlink_to(root / "nothing.txt")
    (root / "self").symlink_to(root / "self")
    return root


def test_skipped_links_are_listed_with_reasons(linked, tmp_path):
    out = tmp_path / "scores.jsonl"
    result = run("batch", linked, "--out", out)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["path"] for line in out.read_text("utf-8").splitlines()] == ["real/a.txt"]
    reasons = {r["path"]: r["reason"] for r in map(json.loads, (tmp_path / "scores.jsonl.errors.jsonl").open())}
    assert reasons == {
        "gone.txt": f"broken symbolic link (to {linked / 'nothing.txt'})",
        "self": "symbolic link loop: the link leads back to itself",
        "real/up": "symbolic link loop: leads back to the top folder, which holds it",
        "also-real": "symbolic link to real, a folder already read: not read twice, so no article is scored twice",
    }
    assert "skipped also-real: symbolic link to real, a folder already read" in result.stderr


@pytest.mark.parametrize(("make", "path", "reason"), [
    (lambda root: (root / "gone.txt").symlink_to(root / "nothing.txt"), "gone.txt", "broken symbolic link"),
    (lambda root: (root / "loop").symlink_to(root, target_is_directory=True), "loop", "symbolic link loop"),
    (lambda root: (root / "self").symlink_to(root / "self"), "self", "symbolic link loop"),
])
def test_strict_stops_on_broken_links_and_loops(tmp_path, make, path, reason):
    root = tmp_path / "articles"
    root.mkdir()
    (root / "a.txt").write_text("Officials accused the West of meddling. Trade grew.", encoding="utf-8")
    make(root)
    out = tmp_path / "scores.jsonl"
    result = run("batch", root, "--out", out, "--strict")
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.startswith(f"error: {path}: {reason}") and result.stderr.endswith("(stopped by --strict)\n")
    assert run("batch", root, "--out", out).exit_code == 0  # without --strict: skipped and listed


def test_training_ships_the_codebook_in_the_model_folder(tiny_model):
    shipped = tiny_model / "codebook.json"
    labels_codebook = tiny_model.parent / "labels" / "codebook.json"
    assert shipped.read_bytes() == labels_codebook.read_bytes()
    run_result = run("classify", "-", "--model", tiny_model, input="Trade between the neighbours grew.")
    assert run_result.exit_code == 0, run_result.output  # the reader ignores the extra file


def test_find_codebook_falls_back_to_the_model_s(tmp_path, monkeypatch, tiny_model):
    monkeypatch.chdir(tmp_path)  # no labels/ here
    book = find_codebook(tmp_path / "mine.jsonl", None, tiny_model)
    assert book.ids == ("meddling", "trade") and book.frames[0].definition == "Outside powers are said to meddle."
    bare = find_codebook(tmp_path / "mine.jsonl", None, tmp_path, (("a", "A"),))
    assert bare.ids == ("a",) and bare.frames[0].definition == "A"
    assert find_codebook(tmp_path / "x.jsonl", LABELS).ids == find_codebook(LABELS / "x.jsonl").ids


def test_label_outside_the_project_uses_the_model_s_codebook(tmp_path, monkeypatch, tiny_model):
    model = shutil.copytree(tiny_model, tmp_path / "model")
    codebook = json.loads((model / "codebook.json").read_text("utf-8"))
    codebook["frames"].reverse()  # the model's own codebook, told apart by its order
    (model / "codebook.json").write_text(json.dumps(codebook), encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "article.txt").write_text("Trade between the neighbours grew by a fifth.", encoding="utf-8")
    monkeypatch.chdir(work)
    result = run("label", "article.txt", "--labels", work / "out" / "mine.jsonl", "--model", model, input="1\n")
    assert result.exit_code == 0, result.output
    assert "1 trade" in result.stdout and "2 meddling" in result.stdout
    assert json.loads((work / "out" / "mine.jsonl").read_text("utf-8"))["frames"] == ["trade"]
