"""Every command, given hostile paths and options, says what is wrong in one line: never a traceback.

A hypothesis test drives each command with a path that cannot work for it (missing, a folder, a
loop, a name too long, /proc, an undecodable name...) and random hostile options, and expects
exit status 1 with one `error:` line, or 2 with click's usage error. The cases the issue named are
spelled out as well, and Ctrl-C during start-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from frames.cli import app

from conftest import DEFAULT_MODEL, SEEDS, write_tiny_labels

runner = CliRunner()
LONG = "n" * 300  # longer than a file name may be
UNDECODABLE = os.fsdecode(b"\xff-article.txt")  # a file name that is not UTF-8 (missing)

# Paths that cannot be read as an article, a labels file or a corpus (relative to the sandbox).
NOT_AN_ARTICLE = ["missing.txt", "folder", "notes", "binary.bin", "empty.txt", "loop", "broken", LONG,
                  "/proc/frames-nothing", "nodir/x.txt", "file.txt/under", UNDECODABLE, "/dev/null", "/dev/zero", "-"]
NOT_A_FOLDER = ["missing", "file.txt", "binary.bin", "loop", "broken", LONG, "/proc/frames-nothing", "nodir/x",
                "file.txt/under", UNDECODABLE, "/dev/null"]
NOT_LABELS = ["missing", "file.txt", "folder", "notes", "binary.bin", "loop", "broken", LONG, "", "/proc/frames-x",
              "nodir/x", "file.txt/under", UNDECODABLE, "/dev/null", "/dev/zero"]
NOT_AN_EXPORT = ["missing.json", "folder", "notes", "binary.bin", "file.txt", "loop", "broken", LONG,
                 "/proc/frames-nothing", "nodir/x.json", "file.txt/under", UNDECODABLE]
BAD_OUT = ["folder", "notes", "file.txt", "loop", "broken", LONG, f"{LONG}.csv", "/proc/x.csv", "/dev/null",
           "/dev/full", "nodir/x.csv", "file.txt/under.csv", "", "tiny", "/sys/x.csv", "folder/",
           UNDECODABLE[:-4] + "/x"]
# What `frames label` cannot read at all (files it can open but not use are warnings, and it goes on).
NOT_TO_LABEL = [p for p in NOT_AN_ARTICLE
                if p not in {"folder", "notes", "binary.bin", "empty.txt", "/dev/null", "/dev/zero", "-"}]
ANY_OUT = BAD_OUT + ["fresh.csv", "fresh.jsonl", "fresh-model", "fresh.html"]
MODELS = [None, "missing", "file.txt", "folder", "tiny", LONG, str(DEFAULT_MODEL)]
TEXTS = ["", "-", "\n", "x" * 5000, "csv", "jsonl", "xml", "doccano", "label-studio", "prodigy", "nosuch",
         "dask", "loky", "tcp://127.0.0.1:1", "*", "[", "--", "é", UNDECODABLE]
NUMBERS = ["-1", "0", "1", "2", "99999999999999999999999", "1e3", "nan", "x"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    """A folder of hostile things: an empty folder, a folder of notes, a symlink loop, a broken link..."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "folder").mkdir()
    (root / "notes").mkdir()
    (root / "notes" / "a.txt").write_text("do not lose me\n", encoding="utf-8")
    (root / "file.txt").write_text("x", encoding="utf-8")
    (root / "binary.bin").write_bytes(b"\x7fELF\x00\x01\x02" * 10)
    (root / "empty.txt").write_bytes(b"")
    (root / "loop").symlink_to("loop")
    (root / "broken").symlink_to("nothing-here")
    write_tiny_labels(root / "tiny")
    return root


def _option(name: str, values: list) -> st.SearchStrategy[list[str]]:
    """Either nothing, or ``name`` with one of ``values`` (None: leave the option out)."""
    return st.one_of(st.just([]), st.sampled_from(values).map(lambda v: [] if v is None else [name, v]))


def _flag(name: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [name]])


def _args(*parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    return st.tuples(*parts).map(lambda lists: [a for part in lists for a in part])


def _one(values: list) -> st.SearchStrategy[list[str]]:
    return st.sampled_from(values).map(lambda v: [v])


# For each command, an invocation that cannot succeed (its main path is bad), with random options.
INVOCATIONS = st.one_of(
    _args(st.just(["classify"]), _one(NOT_AN_ARTICLE), _option("--top", NUMBERS), _flag("--json"),
          _option("--model", MODELS)),
    _args(st.just(["train"]), _option("--labels", NOT_LABELS).filter(bool), _option("--out", ANY_OUT),
          _flag("--force")),
    _args(st.just(["models"]), _one(NOT_A_FOLDER)),
    _args(st.just(["evaluate"]), st.sampled_from(["--labels", "--articles"]).map(lambda o: [o]),
          _one(NOT_AN_ARTICLE), _option("--model", MODELS), _flag("--json"), _flag("--skip-bad")),
    _args(st.just(["batch"]), _one(NOT_A_FOLDER), _option("--out", ANY_OUT), _option("--format", TEXTS),
          _option("--glob", TEXTS), _option("--jobs", NUMBERS), _flag("--resume"), _flag("--force"),
          _flag("--strict"), _option("--evidence", NUMBERS), _option("--backend", TEXTS),
          _option("--scheduler", TEXTS), _option("--model", MODELS), _flag("--quiet")),
    _args(st.just(["label"]), _one(NOT_TO_LABEL),
          _option("--labels", ANY_OUT), _option("--uncertain", NUMBERS), _option("--random", NUMBERS),
          _option("--seed", NUMBERS), _flag("--articles"), _option("--text-field", TEXTS),
          _option("--id-field", TEXTS), _option("--annotator", TEXTS), _option("--codebook", NOT_LABELS),
          _option("--model", MODELS)),
    _args(st.just(["labels", "check"]), _option("--labels", NOT_LABELS).filter(bool)),
    _args(st.just(["labels", "agreement"]), _option("--labels", NOT_LABELS).filter(bool), _option("--show", NUMBERS)),
    _args(st.just(["labels", "import"]), _one(NOT_AN_EXPORT), _option("--from", TEXTS).filter(bool),
          _option("--labels", NOT_LABELS + ["tiny"]), _option("--into", ANY_OUT), _option("--map", TEXTS)),
    _args(st.just(["labels", "export"]), _option("--to", TEXTS).filter(bool), _option("--out", BAD_OUT).filter(bool),
          _option("--labels", NOT_LABELS + ["tiny"]), _flag("--force")),
    _args(st.just(["explain"]), _one(NOT_AN_ARTICLE), st.sampled_from([["--sentence", "0"], ["--sentence", "3"]]),
          _option("--frame", TEXTS), _option("--top", NUMBERS), _flag("--json"), _option("--model", MODELS)),
    _args(st.just(["report"]), _one([p for p in NOT_AN_ARTICLE if p not in {"folder", "notes"}]),
          st.sampled_from(ANY_OUT).map(lambda v: ["--out", v]), _option("--top", NUMBERS), _flag("--force"),
          _option("--model", MODELS)),
)


def assert_one_clear_line(result, args: list[str]) -> None:
    """Exit 1 with one `error:` line last on standard error, or 2 with click's usage error; no traceback."""
    shown = f"frames {' '.join(map(repr, args))}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (shown, result.exception)
    assert "Traceback" not in result.output, shown
    assert result.exit_code in (1, 2), shown
    err = result.stderr.splitlines()
    if result.exit_code == 2:
        assert "Error" in result.stderr or "error:" in result.stderr, shown
        return
    if args[:2] == ["labels", "check"] and err and err[-1].endswith("problem(s) found"):
        return  # the check's own report: problems on standard output, their number here
    errors = [line for line in err if line.startswith("error: ")]
    assert len(errors) == 1 and err[-1] == errors[0], shown


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=INVOCATIONS)
def test_every_command_with_hostile_paths_and_options_gives_one_clear_line(sandbox, monkeypatch, args):
    monkeypatch.chdir(sandbox)
    monkeypatch.delenv("FRAMES_MODEL", raising=False)
    before = sorted(p.name for p in sandbox.iterdir())
    result = runner.invoke(app, args, input="")
    assert_one_clear_line(result, args)
    # nothing it could not use was replaced (fresh outputs may appear: they are removed again)
    assert (sandbox / "notes" / "a.txt").read_text("utf-8") == "do not lose me\n"
    assert (sandbox / "file.txt").read_text("utf-8") == "x"
    for path in sandbox.iterdir():
        if path.name not in before:
            (path.unlink() if not path.is_dir() or path.is_symlink() else __import__("shutil").rmtree(path))


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Trade between the neighbours grew by a fifth.", encoding="utf-8")
    return folder


@pytest.mark.parametrize("extra", [["--force"], ["--resume"], []])
@pytest.mark.parametrize("name", ["out.csv", "out.jsonl"])
def test_batch_out_at_a_folder(articles, tmp_path, extra, name):
    (tmp_path / name).mkdir()
    result = runner.invoke(app, ["batch", str(articles), "--out", str(tmp_path / name), *extra])
    assert_one_clear_line(result, ["batch", "--out", name, *extra])
    assert "is an empty folder, not a batch output" in result.stderr
    assert (tmp_path / name).is_dir() and not list((tmp_path / name).iterdir())


@pytest.mark.parametrize("out", ["/proc/x.csv", "/proc/self/status", "/dev/full", "/dev/null", f"/tmp/{LONG}.csv"])
@pytest.mark.parametrize("extra", [["--force"], ["--resume"], []])
def test_batch_out_where_nothing_can_be_written(articles, out, extra):
    result = runner.invoke(app, ["batch", str(articles), "--out", out, "--format", "csv", *extra])
    assert_one_clear_line(result, ["batch", "--out", out, *extra])
    assert result.stderr.startswith(f"error: {out}")


def test_batch_skips_a_file_whose_name_is_not_utf8(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text("Trade between the neighbours grew by a fifth.", encoding="utf-8")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("Trade grew again this year.", encoding="utf-8")
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "caf\\xe9.txt: file name is not UTF-8" in result.stderr
    assert out.read_text("utf-8").count("\n") == 2  # header and the good article
    assert runner.invoke(app, ["batch", str(folder), "--out", str(out), "--resume"]).exit_code == 0


def test_an_article_too_large_to_be_one_is_refused(monkeypatch, tmp_path):
    from frames.text import articles

    monkeypatch.setattr(articles, "MAX_ARTICLE_BYTES", 1000)
    path = tmp_path / "huge.txt"
    path.write_text("Trade grew. " * 200, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 1 and result.stderr.startswith(f"error: {path}: larger than 1000 bytes")
    result = runner.invoke(app, ["classify", "-"], input="Trade grew. " * 200)
    assert result.exit_code == 1 and result.stderr.startswith("error: <stdin>: larger than 1000 bytes")


# Ctrl-C during start-up --------------------------------------------------------------------------

def _interrupted(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``code`` (which arranges a real SIGINT) in a fresh Python, then the command line on ``args``."""
    script = code + "\nfrom frames.cli import main\nimport sys\nsys.argv = ['frames', *sys.argv[1:]]\nmain()\n"
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60)


SIGINT_ON_IMPORT = """
import importlib.abc, os, signal, sys
class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Interrupt())
"""


@pytest.mark.parametrize(("module", "command"), [("typer", "models"), ("frames.cli.classify", "classify"),
                                               ("numpy", "classify"), ("frames.model.modelfile", "classify")])
def test_ctrl_c_while_importing_exits_130_with_one_line(module, command):
    """typer, frames.cli.classify: the command line itself is loading (`frames classify` runs without
    Typer, see frames/cli/classify.py); numpy, frames.model.modelfile: the command is starting."""
    article = next(iter(sorted(SEEDS.glob("*.txt"))), None) if SEEDS.is_dir() else None
    args = ["classify", str(article or "-")] if command == "classify" else [command]
    done = _interrupted(SIGINT_ON_IMPORT.format(module=module), *args)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "interrupted\n" and done.stdout == ""


def test_ctrl_c_while_loading_the_model_exits_130_with_one_line():
    code = ("import os, signal, time, frames.model.scoring\n"
            "frames.model.scoring.read_model = lambda folder: (os.kill(os.getpid(), signal.SIGINT), time.sleep(10))\n")
    done = _interrupted(code, "batch", ".", "--quiet")
    assert (done.returncode, done.stderr, done.stdout) == (130, "interrupted\n", "")


def test_ctrl_c_while_options_are_parsed_exits_130_with_one_line(monkeypatch, capsys):
    """Typer turns it into a silent exit 130; main() adds the line."""
    from typer.core import TyperGroup

    from frames.cli import main

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(TyperGroup, "parse_args", interrupt)
    monkeypatch.setattr(sys, "argv", ["frames", "models"])  # a command Typer parses (classify may run without it)
    with pytest.raises(SystemExit) as exit:
        main()
    assert exit.value.code == 130 and capsys.readouterr().err == "interrupted\n"


def test_ctrl_c_while_the_command_line_is_built_exits_130_with_one_line(monkeypatch, capsys):
    import typer.main

    from frames.cli import main

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(typer.main, "get_command", interrupt)
    monkeypatch.setattr(sys, "argv", ["frames", "models"])  # a command Typer parses (classify may run without it)
    with pytest.raises(SystemExit) as exit:
        main()
    assert exit.value.code == 130 and capsys.readouterr().err == "interrupted\n"


def test_a_command_that_reports_ctrl_c_itself_is_not_reported_twice(monkeypatch, capsys, tmp_path):
    from frames.batch import run as batch
    from frames.cli import main

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", interrupt)
    monkeypatch.setattr(sys, "argv", ["frames", "batch", str(tmp_path), "--out", str(tmp_path / "s.csv")])
    with pytest.raises(SystemExit) as exit:
        main()
    assert exit.value.code == 130
    assert capsys.readouterr().err == f"interrupted; {tmp_path / 's.csv'} is valid: run again with --resume\n"


def _workers(pid: int) -> set[int]:
    """The live worker processes that pid started, read from /proc: loky's, or forked (same command line)."""
    found = set()
    try:
        own = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return found
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z" and (b"popen_loky" in command or command == own):
                found.add(int(entry.name))
    return found


@pytest.fixture(scope="module")
def busy_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 articles of 100 sentences: enough work that a batch is still running when its workers have
    started (writing fewer, longer files is most of what makes it quick to build)."""
    corpus = tmp_path_factory.mktemp("busy") / "corpus"
    corpus.mkdir()
    for i in range(600):
        (corpus / f"a{i:04d}.txt").write_text("Trade between the neighbours grew by a fifth. " * 100, encoding="utf-8")
    return corpus


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see the workers start")
@pytest.mark.parametrize("backend", [[], ["--backend", "loky"]], ids=["forked", "loky"])
def test_ctrl_c_while_batch_workers_start_is_one_line(tmp_path, busy_corpus, backend):
    """The terminal sends Ctrl-C to every process of the group: workers, forked or still importing
    (loky's), must stay quiet, and none may outlive the batch."""
    import time

    corpus = busy_corpus
    command = [sys.executable, "-m", "frames", "batch", str(corpus), "--out", str(tmp_path / "s.jsonl"), "--jobs", "2",
               *backend]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_workers(process.pid)) < 2 and process.poll() is None:
        time.sleep(0.02)  # each look reads all of /proc: looking without a pause would take a core from the batch
    workers = _workers(process.pid)
    assert len(workers) == 2, "the workers did not start"
    time.sleep(0.1)  # loky's workers are importing now: before Python's own handler is set a SIGINT kills quietly
    os.killpg(process.pid, signal.SIGINT)  # as the terminal does: the whole group, workers still starting
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("interrupted"), err
    deadline = time.monotonic() + 5  # loky's workers see the batch gone within half a second
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "a worker outlived the batch"


def _alive(pid: int) -> bool:
    """Whether a process is running (not gone, not a zombie), read from /proc."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
