"""The labels store: JSONL files of hand-labelled sentences, read and checked line by line."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from frames.labels.codebook import Codebook, load_codebook
from frames.errors import LabelsError, Problem
from frames.labels.references import CorpusTexts, MissingCorpus, merge_missing


ARTICLES_DIR = "articles"  # labels/articles/*.jsonl: whole articles labelled as a whole
BEHAVIOUR_DIR = "behaviour"  # labels/behaviour/*.jsonl: minimal-pair test cases, never trained on
SAMPLES = ("whole", "random", "uncertain", "targeted", "written", "seed")
KNOWN_FIELDS = frozenset({"text", "frames", "absent", "source", "annotator", "settled", "note", "sample",
                          "corpus", "doc", "start", "end", "sha"})
REFERENCE_FIELDS = ("corpus", "doc", "start", "end", "sha")


@dataclass(frozen=True)
class LabelledSentence:
    """One labelled sentence and where it was read from (file and 1-based line).

    A reference row's text is read from its corpus; ``corpus`` and ``doc`` then say where.
    ``known`` is None for a complete row (every frame not in ``frames`` is absent); a partial row
    (one with "absent") lists the frames it judged, present or absent, and says nothing of the rest.
    """

    text: str
    frames: tuple[str, ...]
    source: str
    file: str = ""
    line: int = 0
    annotator: str | None = None  # who labelled it, when several people label the same sentences
    settled: bool = False  # a final label that overrides the annotators' (see frames.labels.agreement)
    sample: str | None = None  # how it was drawn: one of SAMPLES (None: not recorded)
    corpus: str | None = None  # for a reference row: the registered corpus and document it points into
    doc: str | None = None
    known: tuple[str, ...] | None = None  # the frames judged (present or absent); None: every frame
    note: str | None = None  # the row's "note", kept so that exports carry it
    span: tuple[int, int, str] | None = None  # a reference row's start, end and sha

    @property
    def real(self) -> bool:
        """Whether the sentence is real text from a corpus (not written by the team)."""
        return self.corpus is not None

    def judges(self, frame: str) -> bool:
        """Whether the row says anything about ``frame``: always for a complete row."""
        return self.known is None or frame in self.known


@dataclass(frozen=True)
class LabelSet:
    """A labels folder read whole: its codebook and every labelled sentence, in file order.

    ``missing``: the corpora whose files are not there, one problem each; their rows are left out.
    """

    codebook: Codebook
    sentences: tuple[LabelledSentence, ...]
    missing: tuple[MissingCorpus, ...] = ()


def normalise(text: str) -> str:
    """The form two sentences share when they are 'the same sentence'."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def label_files(labels_dir: str | Path) -> list[Path]:
    """Every sentence-label *.jsonl file under a labels folder, in a stable order (article labels and
    behaviour tests aside)."""
    root = Path(labels_dir)
    return sorted(p for p in root.rglob("*.jsonl")
                  if p.is_file() and not {ARTICLES_DIR, BEHAVIOUR_DIR} & set(p.relative_to(root).parts[:-1]))


FOLDER_FILES = ("codebook.json", "corpora.json", "test-split.json")  # the *.json a labels folder reads


def ignored_files(labels_dir: str | Path) -> list[Path]:
    """The *.json files under a labels folder that nothing reads: labels go in *.jsonl files, one row a
    line, and only the folder's own codebook.json, corpora.json and test-split.json are read."""
    root = Path(labels_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.json")
                  if p.is_file() and not (p.parent == root and p.name in FOLDER_FILES))


def _lines(path: Path) -> tuple[list[str], list[Problem]]:
    if path.exists() and not path.is_file() and not path.is_dir():  # a device or a pipe: it may never end
        return [], [Problem(str(path), 0, "not a file (a device or a pipe); give a JSONL labels file")]
    try:
        return path.read_text(encoding="utf-8-sig").splitlines(), []
    except UnicodeDecodeError as exc:
        return [], [Problem(str(path), 1, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8")]
    except OSError as exc:
        return [], [Problem(str(path), 0, f"cannot be read ({exc.strerror or exc})")]


def read_label_file(path: str | Path, frames: tuple[str, ...] | None = None,
                    texts: CorpusTexts | None = None) -> tuple[list[LabelledSentence], list[Problem]]:
    """Parse one JSONL labels file into sentences and the problems found on the way.

    With ``frames`` given, a frame outside it is a problem and the line is kept without it.
    Reference rows are resolved through ``texts`` (default: the registry nearest the file); rows
    pointing into a corpus whose file is missing are skipped and counted in one MissingCorpus
    problem per corpus, after the others.
    """
    path = Path(path)
    name = str(path)
    lines, problems = _lines(path)
    sentences: list[LabelledSentence] = []
    skipped: Counter[str] = Counter()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row, message = parse_label_row(line)
        if not message and "corpus" in row:
            texts = texts if texts is not None else CorpusTexts.near(path.parent)
            if texts.missing(row["corpus"]):
                skipped[row["corpus"]] += 1
                continue
            try:
                row["text"] = texts.span(row["corpus"], row["doc"], row["start"], row["end"], row["sha"])
            except LabelsError as exc:
                message = str(exc)
        if message:
            problems.append(Problem(name, number, message))
            continue
        labels = tuple(row["frames"])
        absent = tuple(row["absent"]) if "absent" in row else None
        if frames is not None:
            unknown = [f for f in labels + (absent or ()) if f not in frames]
            for frame in unknown:
                problems.append(Problem(name, number, f"unknown frame {frame!r}; the codebook has {', '.join(frames)}"))
            labels = tuple(f for f in labels if f in frames)
            absent = None if absent is None else tuple(f for f in absent if f in frames)
        known = None if absent is None else labels + absent
        sentences.append(LabelledSentence(row["text"], labels, row.get("source") or row.get("doc"), name, number,
                                          row.get("annotator"), row.get("settled") is True, row.get("sample"),
                                          row.get("corpus"), row.get("doc"), known, row.get("note"),
                                          (row["start"], row["end"], row["sha"]) if "corpus" in row else None))
    if skipped:
        problems.extend(texts.missing_problems(skipped))
    return sentences, problems


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"the key {repeated[0]!r} is given twice in one row (JSON readers silently keep "
                         f"only one of them); keep the one you mean and delete the other")
    return dict(pairs)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows (Python writes it for a missing or undefined value); "
                     f"write a number, or drop the field")


def parse_json_row(line: str) -> tuple[object, str]:
    """A JSON line as a value, or a message: malformed JSON, a key given twice, or NaN/Infinity."""
    try:
        return json.loads(line, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant), ""
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON ({exc.msg} at column {exc.colno})"
    except ValueError as exc:
        return None, str(exc)


def parse_label_row(line: str) -> tuple[dict, str]:
    """A sentence label row as a dict, or a message saying why the line is not one."""
    row, message = parse_json_row(line)
    if message:
        return {}, message
    if not isinstance(row, dict):
        return {}, "expected a JSON object like {\"text\": ..., \"frames\": [...], \"source\": ...}"
    unknown = sorted(set(row) - KNOWN_FIELDS)
    if unknown:
        return {}, f"unknown field {unknown[0]!r}; label rows may have {', '.join(sorted(KNOWN_FIELDS))}"
    is_reference = "corpus" in row
    if is_reference:
        missing = [k for k in REFERENCE_FIELDS if k not in row]
        if missing:
            return {}, f"a reference row needs {', '.join(REFERENCE_FIELDS)}; missing {', '.join(missing)}"
        if "text" in row:
            return {}, "a reference row carries no \"text\": its text is read from the corpus"
        if not all(isinstance(row[k], str) and row[k].strip() for k in ("corpus", "doc", "sha")):
            return {}, "\"corpus\", \"doc\" and \"sha\" must be non-empty strings"
        if not all(isinstance(row[k], int) and not isinstance(row[k], bool) for k in ("start", "end")):
            return {}, "\"start\" and \"end\" must be whole numbers (character offsets)"
    else:
        text = row.get("text")
        if "text" in row and not isinstance(text, str):
            return {}, f"\"text\" must be a string (the sentence), not {json_type(text)}"
        if not isinstance(text, str) or not text.strip():
            return {}, "missing or empty \"text\" (a string), or a reference with corpus, doc, start, end, sha"
    frames = row.get("frames")
    if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
        return {}, "\"frames\" must be a list of frame ids ([] for no frame)"
    if len(set(frames)) != len(frames):
        return {}, "a frame is listed twice in \"frames\""
    message = _absent_problem(row, frames)
    if message:
        return {}, message
    source = row.get("source")
    if not is_reference and (not isinstance(source, str) or not source.strip()):
        return {}, "missing or empty \"source\" (the article or batch the sentence comes from)"
    if source is not None and not (isinstance(source, str) and source.strip()):
        return {}, "\"source\" must be a non-empty string when given"
    if "annotator" in row and not (isinstance(row["annotator"], str) and row["annotator"].strip()):
        return {}, "\"annotator\" must be a non-empty string when given"
    if "settled" in row and not isinstance(row["settled"], bool):
        return {}, "\"settled\" must be true or false when given"
    if "sample" in row and row["sample"] not in SAMPLES:
        return {}, f"\"sample\" must be one of {', '.join(SAMPLES)}"
    return row, ""


def json_type(value: object) -> str:
    """The JSON name of a value's type, as a user who wrote the file would say it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({json.dumps(value)})"
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _absent_problem(row: dict, frames: list) -> str:
    """What is wrong with a row's "absent" (the frames judged absent in a partial row), if anything."""
    if "absent" not in row:
        return ""
    absent = row["absent"]
    if not isinstance(absent, list) or not all(isinstance(f, str) for f in absent):
        return "\"absent\" must be a list of frame ids (the frames judged absent; the others are unknown)"
    if len(set(absent)) != len(absent):
        return "a frame is listed twice in \"absent\""
    both = [f for f in absent if f in frames]
    if both:
        return f"frame {both[0]!r} is in both \"frames\" and \"absent\"; a frame is either present or absent"
    return ""


def check_labels(labels_dir: str | Path) -> list[Problem]:
    """Every problem in a labels folder: bad lines, unknown frames, conflicting duplicates, and one
    MissingCorpus (last) for each registered corpus whose file is missing, with the rows that point into it."""
    return _read_folder(labels_dir)[2]


def _read_folder(labels_dir: str | Path) -> tuple[Codebook, list[LabelledSentence], list[Problem]]:
    """A labels folder read once: its codebook, its good sentence rows in file order, and every problem
    (as check_labels lists them). Loading uses the rows the check read, not a second reading."""
    codebook = load_codebook(labels_dir)
    files = label_files(labels_dir)
    if not files:
        return codebook, [], [Problem(str(labels_dir), 0, "no *.jsonl label files here")]
    problems: list[Problem] = []
    sentences: list[LabelledSentence] = []
    texts = CorpusTexts.near(labels_dir)
    for path in files:
        found, bad = read_label_file(path, codebook.ids, texts)
        sentences.extend(found)
        problems.extend(bad)
    problems.extend(_conflicts(sentences))
    for path in article_label_files(labels_dir):
        problems.extend(read_article_labels(path, codebook.ids, texts)[1])
    problems.extend(check_test_split(labels_dir))
    return codebook, sentences, merge_missing(problems)


def missing_corpora(labels_dir: str | Path) -> list[MissingCorpus]:
    """One problem for each registered corpus of a labels folder whose file is missing, counting the
    sentence and article rows that point into it; nothing is resolved, so this is quick. A folder that
    is not there has none (loading it says what is wrong)."""
    if not Path(labels_dir).is_dir():
        return []
    texts = CorpusTexts.near(labels_dir)
    if not any(texts.missing(corpus) for corpus in texts.entries):
        return []
    skipped: Counter[str] = Counter()
    for path in [*label_files(labels_dir), *article_label_files(labels_dir)]:
        for line in _lines(path)[0]:
            row = parse_json_row(line)[0] if line.strip() else None
            if isinstance(row, dict) and isinstance(row.get("corpus"), str) and texts.missing(row["corpus"]):
                skipped[row["corpus"]] += 1
    return texts.missing_problems(skipped)


def contradicts(a: LabelledSentence, b: LabelledSentence) -> bool:
    """Whether two rows judge some frame differently (a frame one row does not judge never contradicts)."""
    if a.known is None and b.known is None:
        return set(a.frames) != set(b.frames)
    judged = (set(a.known) if a.known is not None else None, set(b.known) if b.known is not None else None)
    differ = set(a.frames) ^ set(b.frames)
    return any((judged[0] is None or f in judged[0]) and (judged[1] is None or f in judged[1]) for f in differ)


def _conflicts(sentences: list[LabelledSentence]) -> list[Problem]:
    """The same sentence labelled two ways by the same annotator (or with no annotator named).

    Two annotators who disagree are not a problem here: `frames labels agreement` lists them.
    Partial rows conflict only on a frame both judge.
    """
    first: dict[tuple[str, str | None, bool], LabelledSentence] = {}
    problems: list[Problem] = []
    for sentence in sentences:
        key = (normalise(sentence.text), sentence.annotator, sentence.settled)
        seen = first.setdefault(key, sentence)
        if seen is not sentence and contradicts(seen, sentence):
            problems.append(Problem(
                sentence.file, sentence.line,
                f"same sentence as {seen.file}:{seen.line} with other frames "
                f"({', '.join(sentence.frames) or 'none'} vs {', '.join(seen.frames) or 'none'}); settle on one",
            ))
    return problems


def load_labels(labels_dir: str | Path) -> LabelSet:
    """Read a labels folder for training; any problem stops it (run `frames labels check`), but for
    rows pointing into a missing corpus: those are left out, and the set's ``missing`` says so."""
    codebook, sentences, problems = _read_folder(labels_dir)
    missing = tuple(p for p in problems if isinstance(p, MissingCorpus))
    problems = [p for p in problems if not isinstance(p, MissingCorpus)]
    if problems:
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise LabelsError(f"{shown}{more}; run `frames labels check` and fix the labels first")
    return LabelSet(codebook, tuple(sentences), missing)


@dataclass(frozen=True)
class LabelledArticle:
    """A whole article labelled with the frames it pushes, judged on its whole text."""

    text: str
    frames: tuple[str, ...]
    source: str  # the document id (for a corpus reference) or the name given inline
    file: str = ""
    line: int = 0
    corpus: str | None = None
    annotator: str | None = None


ARTICLE_FIELDS = frozenset({"text", "frames", "source", "corpus", "doc", "sha", "annotator", "note"})


def article_label_files(labels_dir: str | Path) -> list[Path]:
    """Every article-label file: *.jsonl under the labels folder's articles/ folder."""
    folder = Path(labels_dir) / ARTICLES_DIR
    return sorted(p for p in folder.rglob("*.jsonl") if p.is_file()) if folder.is_dir() else []


def read_article_labels(path: str | Path, frames: tuple[str, ...] | None = None,
                        texts: CorpusTexts | None = None) -> tuple[list[LabelledArticle], list[Problem]]:
    """Parse an article-label file: rows {"corpus", "doc", "sha", "frames"} pointing at a whole
    document (sha: the short hash of its text), or {"text", "frames", "source"} inline. Rows pointing
    into a missing corpus are skipped and counted, as in read_label_file."""
    path = Path(path)
    lines, problems = _lines(path)
    articles: list[LabelledArticle] = []
    skipped: Counter[str] = Counter()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row, message = parse_json_row(line)
        if not message:
            message = article_row_problem(row)
        if not message and "corpus" in row:
            texts = texts if texts is not None else CorpusTexts.near(path.parent)
            if texts.missing(row["corpus"]):
                skipped[row["corpus"]] += 1
                continue
            try:
                text = texts.document(row["corpus"], row["doc"])
                texts.span(row["corpus"], row["doc"], 0, len(text), row["sha"])  # checks the hash
                row["text"] = text
            except LabelsError as exc:
                message = str(exc)
        if message:
            problems.append(Problem(str(path), number, message))
            continue
        labels = tuple(row["frames"])
        if frames is not None:
            for frame in [f for f in labels if f not in frames]:
                problems.append(Problem(str(path), number, f"unknown frame {frame!r}; the codebook has {', '.join(frames)}"))
            labels = tuple(f for f in labels if f in frames)
        articles.append(LabelledArticle(row["text"], labels, row.get("doc") or row["source"], str(path), number,
                                        row.get("corpus"), row.get("annotator")))
    if skipped:
        problems.extend(texts.missing_problems(skipped))
    return articles, problems


def article_row_problem(row: object) -> str:
    """Why a parsed value is not an article label row; empty when it is one."""
    if not isinstance(row, dict):
        return 'expected a JSON object like {"corpus": ..., "doc": ..., "sha": ..., "frames": [...]}'
    unknown = sorted(set(row) - ARTICLE_FIELDS)
    if unknown:
        return f"unknown field {unknown[0]!r}; article rows may have {', '.join(sorted(ARTICLE_FIELDS))}"
    if "corpus" in row:
        if not all(isinstance(row.get(k), str) and row[k].strip() for k in ("corpus", "doc", "sha")):
            return 'an article reference needs "corpus", "doc" and "sha" (the short hash of the whole text)'
    elif "text" in row and not isinstance(row["text"], str):
        return f'"text" must be a string (the article), not {json_type(row["text"])}'
    elif not (isinstance(row.get("text"), str) and row["text"].strip() and isinstance(row.get("source"), str)):
        return 'an article row needs "text" and "source", or a reference: "corpus", "doc", "sha"'
    frames = row.get("frames")
    if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames) or len(set(frames)) != len(frames):
        return '"frames" must be a list of distinct frame ids ([] for none)'
    return ""


def load_articles(labels_dir: str | Path) -> tuple[LabelledArticle, ...]:
    """Every labelled article of a labels folder; any problem stops it (run `frames labels check`), but
    for rows pointing into a missing corpus: those are left out."""
    codebook = load_codebook(labels_dir)
    texts = CorpusTexts.near(labels_dir)
    articles: list[LabelledArticle] = []
    for path in article_label_files(labels_dir):
        found, problems = read_article_labels(path, codebook.ids, texts)
        problems = [p for p in problems if not isinstance(p, MissingCorpus)]
        if problems:
            raise LabelsError(f"{problems[0]}; run `frames labels check` and fix the labels first")
        articles.extend(found)
    return tuple(articles)


TEST_SPLIT_FILE = "test-split.json"
TEST_SPLIT_FORMAT = "frames-test-split/1"


def in_held_out_split(seed: int, share: float, doc: str) -> bool:
    """Whether a document falls in the held-out split: a seeded hash of its id, under ``share``."""
    digest = hashlib.sha256(f"{seed}:{doc}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def load_test_split(labels_dir: str | Path) -> frozenset[str]:
    """The documents of the frozen held-out real test split (empty when the folder has none)."""
    path = Path(labels_dir) / TEST_SPLIT_FILE
    if not path.is_file():
        return frozenset()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelsError(f"{path}: not readable JSON ({exc})") from None
    if (not isinstance(data, dict) or data.get("format") != TEST_SPLIT_FORMAT
            or not isinstance(data.get("documents"), list) or not all(isinstance(d, str) for d in data["documents"])):
        raise LabelsError(f'{path}: expected {{"format": "{TEST_SPLIT_FORMAT}", "documents": [ids]}}')
    return frozenset(data["documents"])


def check_test_split(labels_dir: str | Path) -> list[Problem]:
    """A test split that cannot be read is a problem of the labels folder."""
    try:
        load_test_split(labels_dir)
    except LabelsError as exc:
        return [Problem(str(Path(labels_dir) / TEST_SPLIT_FILE), 0, str(exc).split(": ", 1)[-1])]
    return []
