"""Language: told cheaply, named in classify and batch output, and an article the model cannot read is "not scored"."""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from frames import load_model
from frames.cli import app
from frames.text.language import NAMES, UNDETERMINED, detect_language, unscored_reason

runner = CliRunner()

SAMPLES = {
    "en": "Officials in Moscow accused Western capitals of trying to set Astana against its closest ally. "
          "Despite the restrictions, bilateral trade hit a record last year, the ministry said.",
    "ru": "Москва и Астана договорились расширить сотрудничество в энергетике. Товарооборот между странами "
          "вырос на пять процентов, сообщил министр. «Это исторический рекорд», — добавил он.",
    "kk": "Қазақстан мен Ресей арасындағы сауда көлемі өткен жылы рекордтық деңгейге жетті. Екі ел энергетика "
          "саласындағы ынтымақтастықты кеңейтуге келісті.",
    "uk": "Україна та її партнери обговорили питання безпеки. Президент заявив, що співпраця з Європейським "
          "союзом є пріоритетом, і її буде поглиблено.",
    "de": "Die Beziehungen zwischen Russland und Kasachstan sind für beide Länder wichtig, sagte der Minister "
          "gegenüber Journalisten. Größere Projekte würden folgen, und die Zusammenarbeit werde ausgebaut.",
    "fr": "Les relations entre la Russie et le Kazakhstan sont importantes pour les deux pays, a déclaré le "
          "ministre. Le commerce bilatéral a atteint un niveau record cette année.",
    "es": "Las relaciones entre Rusia y Kazajistán son importantes para ambos países, dijo el ministro. El "
          "comercio bilateral alcanzó un récord este año, según los datos oficiales.",
    "zh": "俄罗斯和哈萨克斯坦的关系对两国都很重要，部长说。双边贸易今年创下纪录。",
}


@pytest.mark.parametrize("code", list(SAMPLES))
def test_each_language_is_told(code):
    language = detect_language(SAMPLES[code])
    assert language.code == code
    assert (unscored_reason(language, "en") is None) == (code == "en")


def test_english_with_a_russian_quote_is_english():
    text = ("The minister said, quoting the treaty: «Дружба навеки». Trade between the two countries grew by "
            "five percent last year, the ministry said in a statement on Tuesday.")
    language = detect_language(text)
    assert (language.code, language.script) == ("en", "latin") and 0.8 < language.share < 1


@pytest.mark.parametrize("text", ["Trade grew.", "Angela Merkel offers congratulations on a child marriage.", "1 2 3"])
def test_too_little_text_is_undetermined_and_scored(text):
    language = detect_language(text)
    assert language.code == UNDETERMINED and unscored_reason(language, "en") is None


def _hashes(kind: str) -> str:
    import hashlib
    import uuid

    if kind == "sha256":
        return "id,sha256\n" + "".join(f"a{i},{hashlib.sha256(str(i).encode()).hexdigest()}\n" for i in range(40))
    if kind == "md5":
        return "".join(f"{hashlib.md5(str(i).encode()).hexdigest()}\n" for i in range(60))
    return "".join(f"{uuid.UUID(int=i * 7919 + 123456789)}; " for i in range(40))


@pytest.mark.parametrize("kind", ["sha256", "md5", "uuid"])
def test_hashes_and_ids_are_undetermined_not_portuguese(kind):
    """Letters inside a hash (5feceb66...) are not words: too few words to tell a language."""
    language = detect_language(_hashes(kind))
    assert language.code == UNDETERMINED and unscored_reason(language, "en") is None


def test_batch_scores_a_file_of_hashes_as_undetermined(two_languages, tmp_path):
    (two_languages / "ru.txt").unlink()
    (two_languages / "hashes.txt").write_text(_hashes("sha256"), encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(app, ["batch", str(two_languages), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = {json.loads(line)["path"]: json.loads(line) for line in out.read_text("utf-8").splitlines()}
    assert (rows["hashes.txt"]["language"], rows["hashes.txt"]["scored"]) == (UNDETERMINED, True)
    assert rows["en.txt"]["language"] == "en" and "not scored" not in result.stderr


def test_a_script_without_a_named_language_is_not_scored():
    language = detect_language("قال الوزير إن العلاقات بين روسيا وكازاخستان مهمة للبلدين وإن التجارة الثنائية بلغت")
    assert (language.code, language.script) == (UNDETERMINED, "arabic")
    assert unscored_reason(language, "en") == "the text is in arabic script, and the model was trained on English (en)"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_gets_a_known_code_and_a_share(text):
    language = detect_language(text)
    assert language.code in {*NAMES, UNDETERMINED}
    assert 0.0 <= language.share <= 1.0


def test_classify_checks_by_default_as_the_commands_do():
    model = load_model()
    checked = model.classify(SAMPLES["ru"])
    assert not checked.scored and checked.language.code == "ru" and "Russian (ru)" in checked.unscored
    assert all(f.score is None and f.present is None and f.share is None and f.n_over is None for f in checked.frames)
    assert all(f.reason.startswith("not scored: ") and f.evidence == () for f in checked.frames)
    scored = model.classify(SAMPLES["ru"], check_language=False)
    assert scored.scored and scored.language.code == "ru" and all(0 <= f.score <= 1 for f in scored.frames)
    assert [s.text for s in checked.sentences] == [s.text for s in scored.sentences]


def test_classify_json_says_not_scored_with_nulls(tmp_path):
    article = tmp_path / "ru.txt"
    article.write_text(SAMPLES["ru"], encoding="utf-8")
    result = runner.invoke(app, ["classify", str(article), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["scored"] is False and out["language"] == {"code": "ru", "script": "cyrillic", "share": 1.0}
    assert all(f["score"] is None and f["present"] is None and f["share"] is None for f in out["frames"])
    assert all(s["scores"] is None and s["frames"] == [] for s in out["sentences"])
    assert result.stderr.splitlines() == [
        f"warning: {article}: not scored: the text is in Russian (ru), and the model was trained on English (en); "
        f"--any-language scores it anyway"]


def test_classify_table_and_any_language(tmp_path):
    article = tmp_path / "de.txt"
    article.write_text(SAMPLES["de"], encoding="utf-8")
    result = runner.invoke(app, ["classify", str(article)])
    assert result.exit_code == 0 and result.stdout.splitlines()[1] == "not scored (see the warning)"
    assert "German (de)" in result.stderr
    result = runner.invoke(app, ["classify", str(article), "--any-language", "--json"])
    out = json.loads(result.stdout)
    assert out["scored"] is True and out["language"]["code"] == "de" and all(0 <= f["score"] <= 1 for f in out["frames"])
    assert result.stderr.startswith(f"warning: {article}: scored anyway, though the text is in German (de)")


def test_english_classify_has_no_warning(article):
    result = runner.invoke(app, ["classify", str(article), "--json"])
    assert result.exit_code == 0 and result.stderr == ""


@pytest.fixture
def two_languages(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "en.txt").write_text(SAMPLES["en"], encoding="utf-8")
    (folder / "ru.txt").write_text(SAMPLES["ru"], encoding="utf-8")
    return folder


def test_batch_rows_name_the_language_and_leave_other_languages_unscored(two_languages, tmp_path):
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(app, ["batch", str(two_languages), "--out", str(out), "--evidence", "1"])
    assert result.exit_code == 0, result.output
    en, ru = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert (en["language"], en["scored"], ru["language"], ru["scored"]) == ("en", True, "ru", False)
    assert all(isinstance(f["score"], float) for f in en["frames"].values())
    assert all(f == {"score": None, "present": None, "share": None} for f in ru["frames"].values())
    assert all(e == [] for e in ru["evidence"].values())
    assert "scored 1, not scored 1 (not in the model's language" in result.stderr


def test_batch_csv_leaves_unscored_cells_empty(two_languages, tmp_path):
    out = tmp_path / "scores.csv"
    assert runner.invoke(app, ["batch", str(two_languages), "--out", str(out)]).exit_code == 0
    with open(out, newline="", encoding="utf-8") as f:
        header, en, ru = list(csv.reader(f))
    assert header[-2:] == ["language", "scored"] and en[-2:] == ["en", "true"] and ru[-2:] == ["ru", "false"]
    assert ru[5:-2] == [""] * (len(header) - 7) and all(cell for cell in en[5:-2])


def test_batch_any_language_scores_everything(two_languages, tmp_path):
    out = tmp_path / "scores.jsonl"
    assert runner.invoke(app, ["batch", str(two_languages), "--out", str(out), "--any-language"]).exit_code == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["language"], r["scored"]) for r in rows] == [("en", True), ("ru", True)]
    assert all(isinstance(f["score"], float) for r in rows for f in r["frames"].values())


def test_resume_refuses_a_csv_from_before_the_language_columns(two_languages, tmp_path):
    out = tmp_path / "scores.csv"
    assert runner.invoke(app, ["batch", str(two_languages), "--out", str(out)]).exit_code == 0
    lines = out.read_text("utf-8").splitlines()
    old = [",".join(line.split(",")[:-2]) for line in lines]  # the same rows as an older frames wrote them
    out.write_text("\n".join(old) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(two_languages), "--out", str(out), "--resume"])
    assert result.exit_code == 1
    assert "written by an older frames, without the language and scored columns; write to a new --out" in result.stderr


# --- one rule on every command -------------------------------------------------------------------

RUSSIAN = ("not scored: the text is in Russian (ru), and the model was trained on English (en); "
           "--any-language scores it anyway")


@pytest.fixture
def russian(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_text(SAMPLES["ru"], encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["classify", "{ru}"],
    ["classify", "{ru}", "--json"],
    ["report", "{ru}", "-o", "{tmp}/ru.html"],
    ["report", "{ru}", "-o", "-"],
    ["explain", "{ru}", "--sentence", "1"],
    ["explain", "{ru}", "--sentence", "1", "--json"],
])
def test_every_command_warns_the_same_about_another_language(russian, tmp_path, command):
    result = runner.invoke(app, [a.format(ru=russian, tmp=tmp_path) for a in command])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"warning: {russian}: {RUSSIAN}"]


@pytest.mark.parametrize("command", ["classify", "batch", "report", "explain"])
def test_every_scoring_command_has_the_same_opt_out(command):
    assert "--any-language" in runner.invoke(app, [command, "--help"]).stdout


def test_report_page_of_another_language_says_not_scored(russian, tmp_path):
    page = tmp_path / "ru.html"
    assert runner.invoke(app, ["report", str(russian), "-o", str(page)]).exit_code == 0
    html = page.read_text("utf-8")
    assert "not scored (Russian)" in html and "the model was trained on English" in html
    assert 'class="h f' not in html and 'id="explanations"' not in html  # nothing highlighted, nothing explained
    anyway = runner.invoke(app, ["report", str(russian), "-o", str(page), "--force", "--any-language"])
    assert anyway.exit_code == 0 and "scored anyway, though the text is in Russian" in anyway.stderr
    assert "not scored" not in page.read_text("utf-8") and 'id="explanations"' in page.read_text("utf-8")


def test_report_index_says_not_scored_and_lists_it_last(two_languages, tmp_path):
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", str(two_languages), "-o", str(out), "--sort-by", "foreign_interference"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"warning: {two_languages / 'ru.txt'}: {RUSSIAN}"]
    index = (out / "index.html").read_text("utf-8")
    assert "not scored (Russian)" in index and index.index('href="en.html"') < index.index('href="ru.html"')
    assert "not scored (Russian)" in (out / "ru.html").read_text("utf-8")


def test_explain_json_of_another_language_has_no_made_up_parts(russian):
    out = json.loads(runner.invoke(app, ["explain", str(russian), "--sentence", "0", "--json"]).stdout)
    assert (out["scored"], out["frames"], out["language"]["code"]) == (False, None, "ru")
    anyway = runner.invoke(app, ["explain", str(russian), "--sentence", "0", "--json", "--any-language"])
    assert json.loads(anyway.stdout)["scored"] is True and "scored anyway" in anyway.stderr
