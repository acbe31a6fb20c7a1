"""Labels in and out of Label Studio, doccano and Prodigy never invent a label.

The records are built after each tool's own export: Label Studio's JSON export (and its legacy
"completions"), doccano's JSONL, CSV and zip downloads, Prodigy's `db-out` JSONL.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frames import load_labels
from frames.cli import app

runner = CliRunner()

MEDDLING = "Foreign-funded NGOs stir discord between the allies, the deputy said."
TRADE = "Trade between the neighbours grew by a fifth."
RAIN = "Snow closed the mountain pass on Tuesday."


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def imported(labels: Path) -> list[dict]:
    return rows(labels / "imported.jsonl") if (labels / "imported.jsonl").exists() else []


# --- Prodigy -------------------------------------------------------------------------------------

def binary(text: str, label: str, answer: str, who: str = "frames-anna") -> dict:
    """A textcat.teach answer as `prodigy db-out` writes it."""
    return {"text": text, "label": label, "meta": {"score": 0.51}, "_input_hash": hash(text) % 10**9,
            "_task_hash": hash(text + label) % 10**9, "_view_id": "classification", "answer": answer,
            "_timestamp": 1714000000, "_annotator_id": who, "_session_id": who}


def choice(text: str, accept: list[str], answer: str, who: str = "frames-anna") -> dict:
    """A textcat.manual answer (the choice interface) as `prodigy db-out` writes it."""
    return {"text": text, "options": [{"id": "meddling", "text": "Meddling"}, {"id": "trade", "text": "Trade ties"}],
            "_input_hash": 1, "_task_hash": 2, "_view_id": "choice", "config": {"choice_style": "multiple"},
            "accept": accept, "answer": answer, "_timestamp": 1714000000, "_annotator_id": who, "_session_id": who}


def test_prodigy_binary_answers_judge_one_label_and_leave_the_others_unknown(tiny_labels, tmp_path):
    export = write_jsonl(tmp_path / "teach.jsonl", [
        binary(MEDDLING, "meddling", "accept"),
        binary(RAIN, "trade", "reject"),
        binary(RAIN, "meddling", "reject", who="frames-boris"),
        binary(TRADE, "trade", "accept"), binary(TRADE, "meddling", "reject"),  # both labels: a complete row
        binary(TRADE, "trade", "ignore", who="frames-boris"),
    ])
    result = run("labels", "import", export, "--from", "prodigy", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert imported(tiny_labels) == [
        {"text": MEDDLING, "frames": ["meddling"], "absent": [], "source": "teach", "annotator": "frames-anna"},
        {"text": RAIN, "frames": [], "absent": ["trade"], "source": "teach", "annotator": "frames-anna"},
        {"text": RAIN, "frames": [], "absent": ["meddling"], "source": "teach", "annotator": "frames-boris"},
        {"text": TRADE, "frames": ["trade"], "source": "teach", "annotator": "frames-anna"},
    ]
    assert "read 6 records" in result.stdout and "skipped 1 as unknown" in result.stdout
    assert run("labels", "check", "--labels", tiny_labels).exit_code == 0
    sentences = {(s.text, s.annotator): s for s in load_labels(tiny_labels).sentences}
    assert sentences[(RAIN, "frames-anna")].known == ("trade",)
    assert sentences[(TRADE, "frames-anna")].known is None


def test_prodigy_later_binary_answer_on_a_label_wins(tiny_labels, tmp_path):
    export = write_jsonl(tmp_path / "teach.jsonl", [binary(RAIN, "trade", "accept"), binary(RAIN, "trade", "reject")])
    assert run("labels", "import", export, "--from", "prodigy", "--labels", tiny_labels).exit_code == 0
    assert [(r["frames"], r["absent"]) for r in imported(tiny_labels)] == [([], ["trade"])]


def test_prodigy_rejected_choice_says_nothing_unless_options_were_selected(tiny_labels, tmp_path):
    export = write_jsonl(tmp_path / "manual.jsonl", [
        choice(MEDDLING, ["meddling"], "accept"),
        choice(RAIN, [], "reject"),  # the whole task rejected: nothing known
        choice(TRADE, ["meddling"], "reject"),  # Prodigy trains on this as "meddling is absent"
        choice("Photo: the delegation at the airport.", [], "ignore"),
        choice("The court met again in May.", [], "accept"),  # accepted with none: no frame
    ])
    result = run("labels", "import", export, "--from", "prodigy", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert [(r["text"], r["frames"], r.get("absent")) for r in imported(tiny_labels)] == [
        (MEDDLING, ["meddling"], None), (TRADE, [], ["meddling"]), ("The court met again in May.", [], None)]
    assert "read 5 records" in result.stdout and "skipped 2 as unknown" in result.stdout


def test_prodigy_spans_are_not_supported(tiny_labels, tmp_path):
    export = write_jsonl(tmp_path / "ner.jsonl", [{"text": MEDDLING, "spans": [{"start": 0, "end": 14, "label": "ORG"}],
                                                   "answer": "accept", "_view_id": "ner_manual"}])
    result = run("labels", "import", export, "--from", "prodigy", "--labels", tiny_labels)
    assert result.exit_code == 1 and "span annotations (ner, spans) are not supported" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_prodigy_export_writes_partial_rows_as_binary_answers_and_reads_them_back(tiny_labels, tmp_path):
    (tiny_labels / "teach.jsonl").write_text(
        json.dumps({"text": RAIN, "frames": [], "absent": ["trade"], "source": "t", "annotator": "anna"}) + "\n",
        encoding="utf-8")
    out = tmp_path / "prodigy.jsonl"
    assert run("labels", "export", "--to", "prodigy", "--labels", tiny_labels, "--out", out).exit_code == 0
    tasks = rows(out)
    assert {"text": RAIN, "label": "trade", "answer": "reject", "meta": {"source": "t"}, "_annotator_id": "anna"} in tasks
    assert sum("options" in t for t in tasks) == 25
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "codebook.json").write_bytes((tiny_labels / "codebook.json").read_bytes())
    assert run("labels", "import", out, "--from", "prodigy", "--labels", fresh).exit_code == 0
    back = {(s.text, s.known) for s in load_labels(fresh).sentences}
    assert (RAIN, ("trade",)) in back and (TRADE, None) not in back  # TRADE is not in the tiny labels


# --- Label Studio --------------------------------------------------------------------------------

def ls_task(task_id: int, data: dict, annotations: list[dict], key: str = "annotations") -> dict:
    """A task as Label Studio's JSON export writes it."""
    return {"id": task_id, key: annotations, "file_upload": "3c1a2b-tasks.json", "drafts": [], "predictions": [],
            "data": data, "meta": {}, "created_at": "2024-05-02T09:11:41.421Z", "updated_at": "2024-05-02T09:12:03.101Z",
            "inner_id": task_id, "total_annotations": len(annotations), "cancelled_annotations": 0,
            "total_predictions": 0, "comment_count": 0, "unresolved_comment_count": 0,
            "last_comment_updated_at": None, "project": 3, "updated_by": 1, "comment_authors": []}


def ls_annotation(choices: dict[str, list[str]], completed_by=1, cancelled: bool = False) -> dict:
    """One annotation: choices per control name."""
    result = [{"value": {"choices": values}, "id": f"r{i}xq7ZP2k", "from_name": name, "to_name": "text",
               "type": "choices", "origin": "manual"} for i, (name, values) in enumerate(choices.items())]
    return {"id": 31, "completed_by": completed_by, "result": result, "was_cancelled": cancelled,
            "ground_truth": False, "created_at": "2024-05-02T09:12:03.090Z", "updated_at": "2024-05-02T09:12:03.090Z",
            "lead_time": 4.2, "prediction": {}, "result_count": 0, "task": 1, "project": 3, "updated_by": 1,
            "parent_prediction": None, "parent_annotation": None, "last_action": None}


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_label_studio_text_comes_from_the_text_key_never_the_first_string(tiny_labels, tmp_path):
    data = {"url": "https://example.org/news/1", "text": MEDDLING}
    export = write_json(tmp_path / "ls.json", [ls_task(1, data, [ls_annotation({"frames": ["meddling"]})])])
    assert run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels).exit_code == 0
    assert [r["text"] for r in imported(tiny_labels)] == [MEDDLING]


def test_label_studio_text_key_option_and_a_missing_key(tiny_labels, tmp_path):
    data = {"url": "https://example.org/news/1", "sentence": TRADE}
    export = write_json(tmp_path / "ls.json", [ls_task(1, data, [ls_annotation({"frames": ["trade"]})])])
    missing = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels)
    assert missing.exit_code == 1
    assert "no task has the data key 'text'" in missing.stderr and "sentence, url" in missing.stderr
    result = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels, "--text-key", "sentence")
    assert result.exit_code == 0, result.output
    assert [(r["text"], r["frames"]) for r in imported(tiny_labels)] == [(TRADE, ["trade"])]


def test_label_studio_choices_are_filtered_by_from_name(tiny_labels, tmp_path):
    export = write_json(tmp_path / "ls.json", [
        ls_task(1, {"text": MEDDLING}, [ls_annotation({"frames": ["meddling"], "tone": ["Hostile"]})]),
        ls_task(2, {"text": RAIN}, [ls_annotation({"tone": ["Neutral"]})]),  # nothing chosen among the frames
    ])
    several = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels)
    assert several.exit_code == 1 and "several Choices controls (frames, tone)" in several.stderr
    wrong = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels, "--from-name", "topic")
    assert wrong.exit_code == 1 and "no Choices control named 'topic'" in wrong.stderr
    result = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels, "--from-name", "frames")
    assert result.exit_code == 0, result.output
    assert [(r["text"], r["frames"]) for r in imported(tiny_labels)] == [(MEDDLING, ["meddling"]), (RAIN, [])]


def test_label_studio_legacy_completions_skipped_and_cancelled_answers(tiny_labels, tmp_path):
    skipped = {"id": 1002, "lead_time": 2.0, "result": [], "skipped": True, "created_at": 1597227519}
    legacy = {"id": 1001, "lead_time": 3.1, "created_at": 1597227519,
              "result": [{"from_name": "frames", "to_name": "text", "type": "choices", "value": {"choices": ["trade"]}}]}
    export = write_json(tmp_path / "ls.json", [
        {"id": 1, "data": {"text": TRADE}, "completions": [legacy, skipped], "predictions": []},  # Label Studio 0.x
        ls_task(2, {"text": RAIN}, [ls_annotation({"frames": []}, cancelled=True)]),
        ls_task(3, {"text": MEDDLING}, []),  # nobody answered
    ])
    result = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert [(r["text"], r["frames"]) for r in imported(tiny_labels)] == [(TRADE, ["trade"])]
    assert "read 3 records" in result.stdout and "skipped 3 as unknown" in result.stdout


def test_label_studio_json_min_is_refused_by_name(tiny_labels, tmp_path):
    export = write_json(tmp_path / "min.json", [
        {"text": MEDDLING, "id": 1, "frames": "meddling", "annotator": "anna@example.org", "annotation_id": 31,
         "created_at": "2024-05-02T09:12:03.090Z", "updated_at": "2024-05-02T09:12:03.090Z", "lead_time": 4.2}])
    result = run("labels", "import", export, "--from", "label-studio", "--labels", tiny_labels)
    assert result.exit_code == 1 and "JSON-MIN" in result.stderr and "export the project as JSON" in result.stderr
    assert not imported(tiny_labels)


def test_label_studio_export_ids_empty_results_annotators_and_config(tiny_labels, tmp_path):
    (tiny_labels / "people.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [
        {"text": "Officials blamed Western envoys for the unrest.", "frames": ["meddling"], "source": "p",
         "annotator": "anna@example.org"},
        {"text": "Officials blamed Western envoys for the unrest.", "frames": ["meddling"], "source": "p",
         "annotator": "boris"},
        {"text": RAIN, "frames": [], "absent": ["trade"], "source": "p", "annotator": "boris"},
    ]), encoding="utf-8")
    out = tmp_path / "for-ls.json"
    result = run("labels", "export", "--to", "label-studio", "--labels", tiny_labels, "--out", out)
    assert result.exit_code == 0, result.output
    assert "wrote 27 sentences" in result.stdout and "left out 1 partial rows" in result.stderr
    tasks = json.loads(out.read_text("utf-8"))
    ids = [r["id"] for t in tasks for a in t["annotations"] for r in a["result"]]
    assert len(ids) == len(set(ids)) and all(len(i) == 10 for i in ids)
    none = [t for t in tasks if t["data"]["text"] == "The meeting will take place on Thursday."][0]
    assert none["annotations"] == [{"result": []}]
    by_annotator = [t for t in tasks if t["data"]["text"].startswith("Officials blamed")]
    assert by_annotator[0]["annotations"][0]["completed_by"] == {"email": "anna@example.org"}
    assert "completed_by" not in by_annotator[1]["annotations"][0] and by_annotator[1]["meta"] == {"annotator": "boris"}
    config = tmp_path / "for-ls.config.xml"
    from xml.etree import ElementTree
    root = ElementTree.fromstring(config.read_text("utf-8"))
    assert root.tag == "View"
    control = root.find("Choices")
    assert (control.get("name"), control.get("toName"), control.get("choice")) == ("frames", "text", "multiple")
    assert root.find("Text").get("value") == "$text"
    assert [c.get("value") for c in control.findall("Choice")] == ["meddling", "trade"]
    # read back: annotators kept, partial rows not there
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "codebook.json").write_bytes((tiny_labels / "codebook.json").read_bytes())
    assert run("labels", "import", out, "--from", "label-studio", "--labels", fresh).exit_code == 0
    people = {(r["text"], r.get("annotator")) for r in imported(fresh)}
    assert {("Officials blamed Western envoys for the unrest.", "anna@example.org"),
            ("Officials blamed Western envoys for the unrest.", "boris")} <= people


def test_label_studio_config_follows_the_overwrite_rules(tiny_labels, tmp_path):
    out = tmp_path / "for-ls.json"
    config = tmp_path / "for-ls.config.xml"
    config.write_text("<notes>mine</notes>\n", encoding="utf-8")
    for force in ([], ["--force"]):
        result = run("labels", "export", "--to", "label-studio", "--labels", tiny_labels, "--out", out, *force)
        assert result.exit_code == 1 and f"{config}: is a file" in result.stderr
        assert config.read_text("utf-8") == "<notes>mine</notes>\n" and not out.exists()
    config.unlink()
    assert run("labels", "export", "--to", "label-studio", "--labels", tiny_labels, "--out", out).exit_code == 0
    out.unlink()
    again = run("labels", "export", "--to", "label-studio", "--labels", tiny_labels, "--out", out)
    assert again.exit_code == 1 and "add --force" in again.stderr and not out.exists()
    forced = run("labels", "export", "--to", "label-studio", "--labels", tiny_labels, "--out", out, "--force")
    assert forced.exit_code == 0 and out.exists()


# --- doccano -------------------------------------------------------------------------------------

def test_doccano_empty_label_lists_are_skipped_unless_they_mean_none(tiny_labels, tmp_path):
    export = write_jsonl(tmp_path / "admin.jsonl", [
        {"id": 7, "text": MEDDLING, "Comments": [], "label": ["Meddling"]},
        {"id": 8, "text": RAIN, "Comments": [], "label": []},
    ])
    result = run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in imported(tiny_labels)] == [MEDDLING]
    assert "read 2 records" in result.stdout and "skipped 1 as unknown" in result.stdout
    result = run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels, "--empty-means-none")
    assert result.exit_code == 0, result.output
    assert [(r["text"], r["frames"]) for r in imported(tiny_labels)] == [(MEDDLING, ["meddling"]), (RAIN, [])]


def zip_download(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_doccano_zip_download_names_the_annotator_by_file(tiny_labels, tmp_path):
    export = zip_download(tmp_path / "project.zip", {
        "admin.jsonl": json.dumps({"id": 7, "text": MEDDLING, "Comments": [], "label": ["Meddling"]}) + "\n",
        "olga.jsonl": json.dumps({"id": 7, "text": MEDDLING, "Comments": [], "label": ["Meddling", "Trade ties"]}) + "\n",
    })
    result = run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert [(r["annotator"], r["frames"]) for r in imported(tiny_labels)] == [
        ("admin", ["meddling"]), ("olga", ["meddling", "trade"])]
    agreement = run("labels", "agreement", "--labels", tiny_labels)
    assert "1 sentences labelled by two or more of: admin, olga" in agreement.stdout


def test_doccano_collaborative_zip_has_no_annotator(tiny_labels, tmp_path):
    export = zip_download(tmp_path / "project.zip", {
        "all.jsonl": json.dumps({"id": 7, "text": TRADE, "Comments": [], "label": ["Trade ties"]}) + "\n"})
    assert run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels).exit_code == 0
    assert imported(tiny_labels) == [{"text": TRADE, "frames": ["trade"], "source": "project"}]


def test_doccano_csv_export_with_joined_labels(tiny_labels, tmp_path):
    export = tmp_path / "admin.csv"
    export.write_text("id,text,label,Comments\n"
                      f'7,"{MEDDLING}",Meddling#Trade ties,\n'
                      f"8,{TRADE},Trade ties,looks right\n"
                      f"9,{RAIN},,\n", encoding="utf-8")
    result = run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert [(r["text"], r["frames"]) for r in imported(tiny_labels)] == [(MEDDLING, ["meddling", "trade"]),
                                                                         (TRADE, ["trade"])]
    assert "read 3 records" in result.stdout and "skipped 1 as unknown" in result.stdout


def test_doccano_csv_inside_the_zip(tiny_labels, tmp_path):
    export = zip_download(tmp_path / "project.zip", {"olga.csv": f"id,text,label,Comments\n8,{TRADE},Trade ties,\n"})
    assert run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels).exit_code == 0
    assert imported(tiny_labels) == [{"text": TRADE, "frames": ["trade"], "source": "project", "annotator": "olga"}]


@pytest.mark.parametrize(("record", "message"), [
    ({"id": 3, "text": MEDDLING, "Comments": [], "label": [[0, 8, "ORG"], [50, 57, "ORG"]]}, "span labels"),
    ({"id": 3, "text": MEDDLING, "entities": [{"id": 1, "label": "ORG", "start_offset": 0, "end_offset": 8}],
      "relations": []}, "span labels"),
    ({"id": 2, "text": MEDDLING, "annotations": [{"label": 10, "user": 1}], "meta": {}, "annotation_approver": None},
     "integer label ids"),
    ({"id": 2, "text": MEDDLING, "annotations": [{"label": 7, "start_offset": 0, "end_offset": 8, "user": 1}],
      "meta": {}}, "span labels"),
    ({"id": 2, "text": MEDDLING, "label": [0, 8]}, "integer label ids"),
])
def test_doccano_spans_and_integer_ids_are_not_supported(tiny_labels, tmp_path, record, message):
    export = write_jsonl(tmp_path / "export.jsonl", [record])
    result = run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels)
    assert result.exit_code == 1 and f"{export}:1: {message}" in result.stderr and "not supported" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "not mapped" not in result.output


def test_doccano_export_leaves_partial_rows_out(tiny_labels, tmp_path):
    (tiny_labels / "teach.jsonl").write_text(
        json.dumps({"text": RAIN, "frames": [], "absent": ["trade"], "source": "t"}) + "\n", encoding="utf-8")
    out = tmp_path / "for-doccano.jsonl"
    result = run("labels", "export", "--to", "doccano", "--labels", tiny_labels, "--out", out)
    assert result.exit_code == 0 and "wrote 25 sentences" in result.stdout and "left out 1 partial rows" in result.stderr
    assert RAIN not in out.read_text("utf-8")


# --- the report ----------------------------------------------------------------------------------

def test_import_report_counts_read_imported_unknown_and_unmapped(tiny_labels, tmp_path):
    export = write_jsonl(tmp_path / "manual.jsonl", [
        choice(MEDDLING, ["meddling"], "accept"),
        choice(TRADE, ["Weather"], "accept"),
        choice(RAIN, [], "ignore"),
        {"text": "", "answer": "accept", "accept": []},
    ])
    result = run("labels", "import", export, "--from", "prodigy", "--labels", tiny_labels)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"read 4 records from {export}: added 1 rows to ")
    assert "skipped 1 as unknown" in result.stdout and "1 as unmapped, 1 without text" in result.stdout
    assert "not mapped: 'Weather' (1 rows left out); add --map Weather=FRAME_ID" in result.stderr


def test_options_of_another_tool_are_usage_errors(tiny_labels, tmp_path):
    export = write_jsonl(tmp_path / "x.jsonl", [choice(MEDDLING, ["meddling"], "accept")])
    assert run("labels", "import", export, "--from", "prodigy", "--labels", tiny_labels,
               "--empty-means-none").exit_code == 2
    assert run("labels", "import", export, "--from", "doccano", "--labels", tiny_labels,
               "--from-name", "frames").exit_code == 2


# --- round trips ---------------------------------------------------------------------------------

NEWS = "Western envoys met the minister. Trade with the neighbours doubled, the ministry said."


def labels_with_everything(tiny_labels: Path) -> list[dict]:
    """Votes, a settled row, notes, samples and reference rows into a registered corpus: every row there."""
    from frames.labels.references import reference

    corpus = tiny_labels.parent / "news.jsonl"
    corpus.write_text(json.dumps({"id": "d1", "text": NEWS}) + "\n", encoding="utf-8")
    (tiny_labels / "corpora.json").write_text(json.dumps(
        {"format": "frames-corpora/1", "corpora": {"news": {"path": "../news.jsonl"}}}), encoding="utf-8")
    start = NEWS.index("Trade")
    span = reference("news", "d1", NEWS, start, len(NEWS))
    write_jsonl(tiny_labels / "team.jsonl", [
        {"text": MEDDLING, "frames": ["meddling"], "source": "s", "annotator": "anna", "sample": "random",
         "note": "the deputy, not the ministry"},
        {"text": MEDDLING, "frames": [], "source": "s", "annotator": "boris", "sample": "random"},
        {"text": MEDDLING, "frames": ["meddling"], "source": "s", "settled": True, "note": "agreed on Monday"},
        {**span, "frames": ["trade"], "annotator": "anna", "sample": "uncertain"},
        {**span, "frames": [], "annotator": "boris", "sample": "uncertain"},
    ])
    return sorted((r for f in sorted(tiny_labels.glob("*.jsonl")) for r in rows(f)), key=lambda r: json.dumps(r, sort_keys=True))


@pytest.mark.parametrize("tool", ["doccano", "label-studio", "prodigy"])
def test_export_then_import_gives_the_same_rows_and_agreement(tiny_labels, tmp_path, tool):
    before = labels_with_everything(tiny_labels)
    out = tmp_path / ("export.json" if tool == "label-studio" else "export.jsonl")
    exported = run("labels", "export", "--to", tool, "--labels", tiny_labels, "--out", out)
    assert exported.exit_code == 0, exported.output
    empty_means_none = []
    if tool == "doccano":  # the one thing a tool cannot hold: an empty label list may mean "not labelled"
        assert exported.stderr == "note: doccano cannot tell \"no frame\" from \"not labelled yet\" (both are an " \
                                  "empty label list): import this export back with --empty-means-none\n"
        empty_means_none = ["--empty-means-none"]
    else:
        assert exported.stderr == ""
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in ("codebook.json", "corpora.json"):
        (fresh / name).write_bytes((tiny_labels / name).read_bytes())
    imported_ = run("labels", "import", out, "--from", tool, "--labels", fresh, *empty_means_none)
    assert imported_.exit_code == 0, imported_.output
    assert sorted(imported(fresh), key=lambda r: json.dumps(r, sort_keys=True)) == before
    assert run("labels", "check", "--labels", fresh).exit_code == 0
    agreement = [run("labels", "agreement", "--labels", folder).stdout for folder in (tiny_labels, fresh)]
    assert agreement[0] == agreement[1] and "anna, boris" in agreement[0] and "(unnamed)" not in agreement[0]


def test_a_reference_into_an_unregistered_corpus_comes_back_as_text(tiny_labels, tmp_path):
    labels_with_everything(tiny_labels)
    out = tmp_path / "export.jsonl"
    assert run("labels", "export", "--to", "doccano", "--labels", tiny_labels, "--out", out).exit_code == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "codebook.json").write_bytes((tiny_labels / "codebook.json").read_bytes())
    result = run("labels", "import", out, "--from", "doccano", "--labels", fresh, "--empty-means-none")
    assert result.exit_code == 0, result.output
    assert "warning: 2 rows pointed into a corpus and were written with their text" in result.stderr
    assert "unknown corpus 'news'" in result.stderr and len(result.stderr.splitlines()) == 1
    trade = [r for r in imported(fresh) if r.get("sample") == "uncertain"]
    assert [(r["text"], r["source"], r["annotator"]) for r in trade] == [
        (NEWS[NEWS.index("Trade"):], "d1", "anna"), (NEWS[NEWS.index("Trade"):], "d1", "boris")]
    assert run("labels", "check", "--labels", fresh).exit_code == 0
