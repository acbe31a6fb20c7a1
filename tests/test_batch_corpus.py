"""`frames batch` on corpus files (JSONL, CSV, gzipped) and on folders with a metadata CSV: the folder guarantees hold."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import frames.batch.run
import frames.batch.corpus
import frames.batch.worker
from frames import load_model
from frames.cli import app

from conftest import LABELS

runner = CliRunner()
OUTLETS = ("kremlin.ru", "akorda.kz", "president.gov.ua")


def run(*args):
    return runner.invoke(app, ["batch", *[str(a) for a in args]])


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def sentences() -> list[str]:
    return [json.loads(line)["text"] for line in (LABELS / "written" / "state-media-01.jsonl").read_text("utf-8").splitlines()]


def documents(n: int) -> list[dict]:
    """n corpus rows; ids are not in sorted order, so the file's order is told apart from a sort."""
    pool = sentences()
    return [{"id": f"doc-{(i * 37) % 101:03d}-{i}", "date": f"2022-{1 + i % 6:02d}-{1 + i % 27:02d}",
             "outlet": OUTLETS[i % 3], "title": f"Title {i}", "text": " ".join(pool[(i + k) % len(pool)] for k in range(5))}
            for i in range(n)]


def write_jsonl(path: Path, rows: list[dict], extra: dict[int, bytes] | None = None) -> Path:
    """Rows as JSONL; ``extra`` puts raw lines at given positions (bad rows)."""
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in rows]
    for at, raw in sorted((extra or {}).items()):
        lines.insert(at, raw)
    data = b"".join(line + b"\n" for line in lines)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


def write_csv(path: Path, rows: list[dict]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "date", "outlet", "title", "text"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


BAD_LINES = {
    2: b"{not json",
    4: b'{"id": "no-text", "date": "2022-01-01", "body": "The text is in another field."}',
    6: b'{"id": "latin1", "text": "Caf\xe9 society met in Astana."}',
    8: json.dumps({"id": "doc-000-0", "text": "A repeated id."}).encode(),
    9: b'{"id": "half", "text": "Broken \\ud800 surrogate."}',
    10: json.dumps({"id": "numbers", "text": "1 2 3 ... 4 5"}).encode(),
}


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_jsonl(tmp_path / "corpus.jsonl", documents(12), BAD_LINES)


def test_a_corpus_gives_one_row_per_good_document_in_file_order_with_id_and_meta(corpus, tmp_path):
    out = tmp_path / "scores.jsonl"
    result = run(corpus, "--meta", "date,outlet", "--out", out)
    assert result.exit_code == 0, result.output
    rows = jsonl(out)
    expected = documents(12)
    assert [r["id"] for r in rows] == [d["id"] for d in expected]
    assert all("path" not in r for r in rows)
    assert [r["meta"] for r in rows] == [{"date": d["date"], "outlet": d["outlet"]} for d in expected]
    assert list(rows[0]) == ["id", "sha256", "n_sentences", "meta", "language", "scored", "frames", "model"]
    assert "scored 12, unchanged 0, skipped 6" in result.stderr


def test_bad_rows_are_named_file_line_in_the_summary_and_the_sidecar(corpus, tmp_path):
    out = tmp_path / "scores.jsonl"
    result = run(corpus, "--out", out)
    assert result.exit_code == 0, result.output
    errors = jsonl(Path(f"{out}.errors.jsonl"))
    lines = {int(e["path"].rsplit(":", 1)[1]): e["reason"] for e in errors}
    assert [e["path"] for e in errors] == [f"{corpus}:{k + 1}" for k in sorted(BAD_LINES)]  # in the file's order
    assert lines[3].startswith("malformed JSON") and "no text in field 'text'" in lines[5]
    assert lines[7].startswith("not UTF-8") and "appears twice" in lines[9]
    assert "unpaired surrogate" in lines[10] and lines[11] == "no sentences found"
    for number, reason in lines.items():
        assert f"skipped {corpus}:{number}: {reason}" in result.stderr


def test_a_row_scores_exactly_what_classify_computes(corpus, tmp_path):
    out = tmp_path / "scores.jsonl"
    assert run(corpus, "--out", out, "--evidence", "1").exit_code == 0
    model = load_model()
    text = documents(12)[3]["text"]
    row = jsonl(out)[3]
    import hashlib

    assert row["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    result = model.classify(text)
    assert row["n_sentences"] == len(result.sentences)
    for f in result.frames:
        assert row["frames"][f.id] == {"score": f.score, "present": f.present, "share": f.share}
        for e in row["evidence"][f.id]:
            assert text[e["start"]:e["end"]] == e["text"]  # offsets into the document's text


@pytest.mark.parametrize("name", ["corpus.csv", "corpus.jsonl.gz", "corpus.csv.gz"])
def test_csv_and_gzipped_corpora_give_the_same_rows(tmp_path, name):
    rows = documents(9)
    plain = tmp_path / "plain.jsonl"
    assert run(write_jsonl(tmp_path / "corpus.jsonl", rows), "--meta", "date,outlet", "--out", plain).exit_code == 0
    source = tmp_path / name
    (write_csv if ".csv" in name else write_jsonl)(source, rows)
    out = tmp_path / "other.jsonl"
    result = run(source, "--meta", "date,outlet", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == plain.read_bytes()


def test_csv_output_has_the_id_and_meta_columns(corpus, tmp_path):
    out = tmp_path / "scores.csv"
    assert run(corpus, "--meta", "date,outlet", "--out", out).exit_code == 0
    table = list(csv.reader(out.read_text("utf-8").splitlines()))
    assert table[0][:7] == ["id", "sha256", "n_sentences", "model", "model_data_sha256", "date", "outlet"]
    assert [r[0] for r in table[1:]] == [d["id"] for d in documents(12)]
    assert table[1][5:7] == [documents(12)[0]["date"], documents(12)[0]["outlet"]]


def test_other_field_names(tmp_path):
    rows = [{"url": f"u{i}", "body": d["text"], "published": d["date"]} for i, d in enumerate(documents(3))]
    out = tmp_path / "scores.jsonl"
    result = run(write_jsonl(tmp_path / "c.jsonl", rows), "--text-field", "body", "--id-field", "url",
                 "--meta", "published", "--out", out)
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["meta"]) for r in jsonl(out)] == [(r["url"], {"published": r["published"]}) for r in rows]


def test_jobs_1_and_2_write_identical_files(tmp_path):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", documents(80), BAD_LINES)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run(corpus, "--meta", "date", "--out", one).exit_code == 0
    assert run(corpus, "--meta", "date", "--out", two, "--jobs", "2").exit_code == 0
    assert one.read_bytes() == two.read_bytes()
    assert Path(f"{one}.errors.jsonl").read_bytes() == Path(f"{two}.errors.jsonl").read_bytes()


def test_workers_get_chunks_of_documents_as_the_corpus_is_read(tmp_path, monkeypatch):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", documents(100))
    real_score, real_read = frames.batch.corpus.score_documents, frames.batch.corpus.read_corpus
    read = {"rows": 0}
    calls: list[tuple[int, int]] = []  # (documents in the task, rows read from the corpus so far)

    def counting_read(*args, **kwargs):
        for entry in real_read(*args, **kwargs):
            read["rows"] += 1
            yield entry

    def spy(model_path, texts, evidence, parent_pid=None, any_language=False):
        calls.append((len(texts), read["rows"]))
        assert all(t.text for t in texts if isinstance(t, frames.batch.worker.ArticleText))  # the text travels with the task
        return real_score(model_path, texts, evidence, parent_pid, any_language)

    monkeypatch.setattr(frames.batch.corpus, "read_corpus", counting_read)
    monkeypatch.setattr(frames.batch.corpus, "score_documents", spy)
    assert run(corpus, "--out", tmp_path / "s.jsonl").exit_code == 0
    assert calls == [(32, 32), (32, 64), (32, 96), (4, 100)]  # chunk by chunk, as the corpus is read


def test_interrupted_then_resumed_gives_each_document_once_in_file_order(tmp_path, monkeypatch):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", documents(70), BAD_LINES)
    reference = tmp_path / "reference.jsonl"
    assert run(corpus, "--meta", "date,outlet", "--out", reference).exit_code == 0
    out = tmp_path / "scores.jsonl"
    real_write = frames.batch.run.RowWriter.write
    for stop_after in (5, 40):
        written = {"n": 0}

        def write(self, row, written=written, stop_after=stop_after):
            if written["n"] == stop_after:
                raise KeyboardInterrupt
            written["n"] += 1
            real_write(self, row)

        monkeypatch.setattr(frames.batch.run.RowWriter, "write", write)
        result = run(corpus, "--meta", "date,outlet", "--out", out, "--resume")
        assert result.exit_code == 130, result.output
        monkeypatch.undo()
    with open(out, "a", encoding="utf-8") as handle:
        handle.write('{"id": "doc-0')  # a row cut short by a kill
    result = run(corpus, "--meta", "date,outlet", "--out", out, "--resume")
    assert result.exit_code == 0, result.output
    assert "unchanged 45" in result.stderr
    assert out.read_bytes() == reference.read_bytes()


def test_a_changed_document_is_rescored_and_the_file_keeps_the_corpus_order(tmp_path):
    rows = documents(6)
    corpus = write_jsonl(tmp_path / "corpus.jsonl", rows)
    out = tmp_path / "scores.csv"
    assert run(corpus, "--meta", "date", "--out", out).exit_code == 0
    rows[2] = dict(rows[2], text="Trade between the neighbours grew by a fifth despite the sanctions.")
    write_jsonl(corpus, rows)
    result = run(corpus, "--meta", "date", "--out", out, "--resume")
    assert result.exit_code == 0, result.output
    assert "scored 1, unchanged 5" in result.stderr and "replaced 1 stale rows" in result.stderr
    table = list(csv.reader(out.read_text("utf-8").splitlines()))
    assert [r[0] for r in table[1:]] == [d["id"] for d in rows]  # the corpus's order, not sorted
    refused = run(corpus, "--meta", "date,outlet", "--out", out, "--resume")
    assert refused.exit_code == 1 and "not this run's" in refused.stderr


def test_strict_stops_at_the_first_bad_row(corpus, tmp_path):
    result = run(corpus, "--out", tmp_path / "s.jsonl", "--strict")
    assert result.exit_code == 1
    assert f"error: {corpus}:3: malformed JSON" in result.stderr and "(stopped by --strict)" in result.stderr


def test_corpus_rows_are_batch_output_but_a_corpus_is_not(corpus, tmp_path):
    out = tmp_path / "scores.jsonl"
    assert run(corpus, "--out", out).exit_code == 0
    assert frames.batch.run.is_batch_output(out) and not frames.batch.run.is_batch_output(corpus)
    refused = run(corpus, "--out", corpus, "--force")
    assert refused.exit_code == 1 and "not a batch output" in refused.stderr
    assert run(corpus, "--out", out, "--force").exit_code == 0


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "articles"
    for i, d in enumerate(documents(4)):
        path = root / ("ru" if i % 2 else "kz") / f"a{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(d["text"], encoding="utf-8")
    return root


def test_a_folder_takes_metadata_from_a_csv_keyed_by_relative_path(folder, tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("path,date,outlet,notes\n./kz/a0.txt,2022-01-05,akorda.kz,x\nru\\a1.txt,2022-02-01,,y\n"
                    "kz/a2.txt,2022-03-09,tass.com,\nelsewhere.txt,2022-01-01,a,b\n", encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    result = run(folder, "--meta-file", meta, "--meta", "date,outlet", "--out", out)
    assert result.exit_code == 0, result.output
    assert {r["path"]: r["meta"] for r in jsonl(out)} == {
        "kz/a0.txt": {"date": "2022-01-05", "outlet": "akorda.kz"}, "kz/a2.txt": {"date": "2022-03-09", "outlet": "tass.com"},
        "ru/a1.txt": {"date": "2022-02-01"}, "ru/a3.txt": {}}
    every = tmp_path / "every.csv"
    assert run(folder, "--meta-file", meta, "--out", every).exit_code == 0
    header = next(csv.reader(every.read_text("utf-8").splitlines()))
    assert header[:8] == ["path", "sha256", "n_sentences", "model", "model_data_sha256", "date", "outlet", "notes"]


@pytest.mark.parametrize(("content", "meta", "message"), [
    ("file,date\na0.txt,2022-01-01\n", (), "no 'path' column (columns: file, date)"),
    ("path,date\nkz/a0.txt,2022-01-01\n./kz/a0.txt,2022-01-02\n", (), "meta.csv:3: 'kz/a0.txt' is given twice (first on line 2)"),
    ("path,date\n,2022-01-01\n", (), "meta.csv:2: no path"),
    ("path,date\nkz/a0.txt,2022-01-01\n", ("outlet",), "no column 'outlet' for --meta"),
], ids=["no-path-column", "twice", "empty-path", "unknown-column"])
def test_a_bad_meta_file_is_refused_before_any_work(folder, tmp_path, content, meta, message):
    path = tmp_path / "meta.csv"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "s.jsonl"
    result = run(folder, "--meta-file", path, *(["--meta", ",".join(meta)] if meta else []), "--out", out)
    assert result.exit_code == 1 and message in result.stderr
    assert not out.exists() or out.read_text("utf-8") == ""


@pytest.mark.parametrize(("source", "args", "message"), [
    ("corpus", ["--meta-file", "m.csv"], "a corpus keeps its metadata in its rows: use --meta"),
    ("corpus", ["--glob", "*.md"], "--glob and --no-recursive choose files in a folder"),
    ("folder", ["--text-field", "body"], "--text-field and --id-field name the fields of a corpus file"),
    ("folder", ["--meta", "date"], "for a folder, give them in a CSV with --meta-file"),
    ("corpus", ["--meta", "date,sha256"], "--meta 'sha256': rows already hold their own 'sha256'; keep the field "
                                          "under another name with --meta sha256=source_sha256"),
    ("corpus", ["--meta", "date,outlet=language"], "rows already hold their own 'language'"),
    ("corpus", ["--meta", "text=body"], "--meta 'text': not a field a row can keep"),
    ("corpus", ["--meta", "date,outlet=date"], "--meta names a field twice"),
    ("corpus", ["--meta", "date,date"], "--meta names a field twice"),
    ("missing", [], "no such file"),
], ids=["meta-file-on-corpus", "glob-on-corpus", "text-field-on-folder", "meta-on-folder", "reserved",
        "renamed-to-reserved", "text-as-meta", "renamed-twice", "twice", "missing"])
def test_options_that_do_not_fit_the_input_are_refused(corpus, folder, tmp_path, source, args, message):
    target = {"corpus": corpus, "folder": folder, "missing": tmp_path / "nope.jsonl"}[source]
    result = run(target, *args, "--out", tmp_path / "s.jsonl")
    assert result.exit_code == 1, result.output
    assert message in result.stderr


def test_batch_then_trends(tmp_path):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", documents(30))
    out = tmp_path / "scores.jsonl"
    assert run(corpus, "--meta", "date,outlet", "--out", out).exit_code == 0
    from frames.show.trends import compute_trends

    trends = compute_trends(out, "month", ("outlet",))
    assert trends.counted == 30 and trends.periods == tuple(f"2022-0{m}" for m in range(1, 7))
    assert {g for (g,) in trends.groups} == set(OUTLETS)
    rows = jsonl(out)
    for fid in trends.frames:
        january = [r for r in rows if r["meta"]["date"].startswith("2022-01") and r["meta"]["outlet"] == OUTLETS[0]]
        cell = next(t for t in trends.rows if t.period == "2022-01" and t.group == (OUTLETS[0],))
        assert cell.n == len(january)
        assert cell.frames[trends.frames.index(fid)].present == sum(r["frames"][fid]["present"] for r in january)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_meta_keeps_a_reserved_field_under_another_name(tmp_path, fmt):
    docs = [dict(d, language="ru") for d in documents(3)]
    corpus = write_jsonl(tmp_path / "corpus.jsonl", docs)
    refused = run(corpus, "--meta", "date,language", "--out", tmp_path / f"refused.{fmt}")
    assert refused.exit_code == 1 and "--meta language=source_language" in refused.stderr
    out = tmp_path / f"scores.{fmt}"
    result = run(corpus, "--meta", "date,language=source_language", "--out", out)
    assert result.exit_code == 0, result.output
    if fmt == "jsonl":
        rows = jsonl(out)
        assert [r["meta"] for r in rows] == [{"date": d["date"], "source_language": "ru"} for d in docs]
        assert {r["language"] for r in rows} == {"en"}  # the row's own, as detected
    else:
        with open(out, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [(r["date"], r["source_language"], r["language"]) for r in rows] == [(d["date"], "ru", "en") for d in docs]
    resumed = run(corpus, "--meta", "date,language=source_language", "--out", out, "--resume")
    assert resumed.exit_code == 0 and "unchanged 3" in resumed.stderr


def test_rows_repeating_an_earlier_row_are_one_line_not_one_error_each(tmp_path):
    docs = documents(4)
    rows = docs + [docs[1]] * 300 + [docs[2], dict(docs[3], text="Another text under a used id.")]
    corpus = write_jsonl(tmp_path / "corpus.jsonl", rows)
    out = tmp_path / "scores.jsonl"
    result = run(corpus, "--out", out)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in jsonl(out)] == [d["id"] for d in docs]
    errors = jsonl(Path(f"{out}.errors.jsonl"))
    assert len(errors) == 2
    assert errors[0] == {"path": f"{corpus}:306", "reason": f"id {docs[3]['id']!r} appears twice (first on line 4, "
                                                             f"with another text); ids must be unique"}
    assert errors[1] == {"path": str(corpus), "reason": "301 rows repeat an earlier row's id and text (line 5 repeats "
                                                         "line 2, line 6 repeats line 2, line 7 repeats line 2, ...): "
                                                         "each article is scored once"}
    assert "skipped 2" in result.stderr and result.stderr.count("\n  skipped ") == 2
