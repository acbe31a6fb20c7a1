"""`frames classify` without Typer (frames/cli/classify.py): the same options, output and exit status as through Typer."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from frames.cli import app, main
from frames.cli.classify import DEFAULTS, OPTIONS, parse_arguments, run_without_typer

runner = CliRunner()


def test_the_options_parsed_without_typer_are_the_typer_commands():
    command = typer.main.get_command(app).commands["classify"]
    declared = {}
    for param in command.params:
        if param.name == "paths" or param.name == "help":
            continue
        for opt in [*param.opts, *param.secondary_opts]:
            declared[opt] = (param.name, not param.is_flag)
        assert DEFAULTS[param.name] == param.default, param.name
    assert declared == OPTIONS


@pytest.mark.parametrize("args", [
    [], ["--help"], ["a.txt", "-h"], ["a.txt", "--top=2"], ["a.txt", "-n", "x"], ["a.txt", "-n", "-1"], ["a.txt", "-n"],
    ["a.txt", "--json", "--json"], ["a.txt", "-n", "1", "--top", "2"], ["--", "a.txt"], ["a.txt", "--model", ""],
    ["a.txt", "--nosuch"], ["-x.txt"], ["--json"],
])
def test_anything_unusual_is_left_to_typer(args):
    assert parse_arguments(args) is None
    assert run_without_typer(["classify", *args]) is None


def test_the_common_spellings_are_parsed():
    assert parse_arguments(["a.txt", "-", "-n", "0", "--json", "-m", "models/x", "--any-language"]) == {
        "paths": ["a.txt", "-"], "top": 0, "as_json": True, "any_language": True, "model": __import__("pathlib").Path("models/x")}
    assert run_without_typer(["models"]) is None and run_without_typer([]) is None


@pytest.mark.parametrize("extra", [[], ["--json", "--top", "1"], ["-n", "0", "--any-language"], ["MISSING"], ["BADMODEL"]])
def test_same_output_and_status_with_and_without_typer(extra, article, tmp_path, monkeypatch, capsys):
    args = ["classify", str(article)]
    for word in extra:
        if word == "MISSING":
            args.append(str(tmp_path / "missing.txt"))
        elif word == "BADMODEL":
            args += ["--model", str(tmp_path)]
        else:
            args.append(word)
    through_typer = runner.invoke(app, args)
    monkeypatch.setattr(sys, "argv", ["frames", *args])
    with pytest.raises(SystemExit) as exit:
        main()
    captured = capsys.readouterr()
    assert (exit.value.code, captured.out, captured.err) == (through_typer.exit_code, through_typer.stdout,
                                                             through_typer.stderr)


def test_terminal_escapes_in_an_article_are_dropped_as_typer_drops_them(tmp_path, monkeypatch, capsys):
    path = tmp_path / "escapes.txt"
    path.write_text("Trade between the allies grew \x1b[31mfast\x1b[0m this year. It rained.", encoding="utf-8")
    through_typer = runner.invoke(app, ["classify", str(path), "--json"])
    monkeypatch.setattr(sys, "argv", ["frames", "classify", str(path), "--json"])
    with pytest.raises(SystemExit):
        main()
    assert capsys.readouterr().out == through_typer.stdout


def test_a_plain_classify_never_imports_typer(article):
    code = ("import sys\nfrom frames.cli import main\nsys.argv = ['frames', 'classify', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'rich')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(article)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Foreign interference" in done.stdout and done.stderr.splitlines()[-1] == "[]"
