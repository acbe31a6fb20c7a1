"""Which script and language an article is in, told cheaply, so a model never scores text it cannot read.

A model trained on English sentences gives a Russian or German article near-zero scores: not a
finding, a blind spot. Telling the language costs a few regular expressions over the first
1,000 characters: the share of letters in each script, then, for Cyrillic, the letters proper
to Ukrainian, Kazakh, Belarusian, Bulgarian or Serbian, and for Latin script the share of words
that are common function words of English, German, French, Spanish, Italian, Portuguese, Dutch,
Polish or Turkish. No dictionary or model is loaded.

One rule for too little text: a Latin-script word is a run of letters standing alone (not inside
a token with digits, as in a hash or an id such as 5feceb66), and a text with too few such letters
or words is "und" (undetermined), never a language. A CSV of hashes is not Portuguese.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

SAMPLE = 1_000  # characters looked at: some 170 words tell a language, and the cost stays flat for long articles
MIN_LETTERS = 20  # fewer letters than this: too little text to tell
MIN_WORDS = 8  # Latin-script words needed before a function-word share means anything
MIN_SHARE = 0.08  # a language's function words must make up at least this share of the words
MIN_HITS = 3  # and be at least this many, so one "a" does not make a headline Portuguese
UNDETERMINED = "und"  # ISO 639-2's code for "undetermined"
MODEL_LANGUAGE = "en"  # the language of a model whose training metadata names none

SCRIPTS = {
    "latin": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f",
    "cyrillic": "\u0400-\u04ff\u0500-\u052f",
    "greek": "\u0370-\u03ff",
    "arabic": "\u0600-\u06ff\u0750-\u077f",
    "hebrew": "\u05d0-\u05ea",
    "armenian": "\u0531-\u0587",
    "georgian": "\u10a0-\u10ff",
    "devanagari": "\u0900-\u097f",
    "thai": "\u0e00-\u0e7f",
    "hangul": "\uac00-\ud7af\u1100-\u11ff",
    "kana": "\u3040-\u30ff",
    "han": "\u4e00-\u9fff\u3400-\u4dbf",
}
_BEYOND_LATIN = re.compile("[^\x00-\u024f]+")  # everything past Latin Extended-B: other scripts, and punctuation
# Scripts that name their language (near enough for a warning); the others give "und".
_SCRIPT_LANGUAGE = {"greek": "el", "hebrew": "he", "armenian": "hy", "georgian": "ka", "thai": "th",
                    "hangul": "ko", "kana": "ja", "han": "zh"}
MODEL_SCRIPT = {"en": "latin", "de": "latin", "fr": "latin", "es": "latin", "it": "latin", "pt": "latin",
                "nl": "latin", "pl": "latin", "tr": "latin", "ru": "cyrillic", "uk": "cyrillic", "kk": "cyrillic",
                "be": "cyrillic", "bg": "cyrillic", "sr": "cyrillic"}
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
         "nl": "Dutch", "pl": "Polish", "tr": "Turkish", "ru": "Russian", "uk": "Ukrainian", "kk": "Kazakh",
         "be": "Belarusian", "bg": "Bulgarian", "sr": "Serbian or Macedonian", "el": "Greek", "he": "Hebrew",
         "hy": "Armenian", "ka": "Georgian", "th": "Thai", "ko": "Korean", "ja": "Japanese", "zh": "Chinese"}

# Frequent function words, chosen to be rare as words in the other languages listed.
FUNCTION_WORDS = {
    "en": "the of and to a in on that is for with was as by are this be from at it have has had which were not "
          "but or its their said will would been they he his her who also after than into about these there an",
    "de": "der die das und nicht ist mit den von zu sich auf für dem des ein eine einer auch sie wird werden "
          "wurde hat haben dass oder aber bei nach wie im zum zur noch nur über",
    "fr": "le la les et des est une du que pour dans pas qui sur au aux ce cette il elle sont été avec par "
          "plus mais ne se son ses leur où",
    "es": "el la los las y que del por una con para es se su sus al lo como más pero fue ha han este esta "
          "entre sobre también",
    "it": "il lo la gli le di che è per una con del della dei delle non sono ha anche nel nella al alla come "
          "più ma questo questa",
    "pt": "o a os as e que do da dos das em para com não uma por se mais foi ao na no são também pelo pela "
          "seu sua",
    "nl": "de het een en van is dat op te zijn voor met niet die aan er maar ook als bij door wordt werd naar",
    "pl": "i w na z że się nie do to jest jak o po przez od za ale czy tak są być który która które",
    "tr": "ve bir bu da de için ile olarak daha çok gibi olan ama sonra kadar ise değil",
}
_FUNCTION_SETS = {code: frozenset(words.split()) for code, words in FUNCTION_WORDS.items()}
_LATIN_WORD = re.compile(f"(?<!\\w)[{SCRIPTS['latin']}]+(?!\\w)")  # a word, not letters inside a hash or an id
# Cyrillic letters proper to one language (or a few), against Russian, and the share of Cyrillic letters that tells it.
_CYRILLIC_MARKS = (("kk", "әғқңөұүһ", 0.01), ("uk", "єїґ", 0.003), ("be", "ў", 0.003), ("sr", "ђћџљњјѓќѕ", 0.005))


@functools.cache
def _script_runs() -> dict[str, re.Pattern]:
    """A pattern per non-Latin script, compiled on first need: English text never needs them."""
    return {script: re.compile(f"[{letters}]+") for script, letters in SCRIPTS.items() if script != "latin"}


@dataclass(frozen=True)
class Language:
    """The language an article appears to be in.

    code: ISO 639-1 ("en", "ru", "kk", "de"...), or "und" when there is too little text to tell,
    or Latin- or Arabic-script text in a language not listed here;
    script: the script of most of its letters ("latin", "cyrillic", "greek", "han"...), "none" without letters;
    share: the share of its letters in that script.
    """

    code: str
    script: str
    share: float

    @property
    def name(self) -> str:
        """The language's English name, or what is known about it."""
        if self.code in NAMES:
            return NAMES[self.code]
        return "an undetermined language" if self.script in ("none", "latin") else f"{self.script} script"

    def to_dict(self) -> dict:
        """The JSON form, as `frames classify --json` prints it."""
        return {"code": self.code, "script": self.script, "share": round(self.share, 3)}


def detect_language(text: str) -> Language:
    """The script of most letters of ``text`` and, where the letters or the function words tell it, the language."""
    sample = text[:SAMPLE].lower()
    words = _LATIN_WORD.findall(sample)
    counts = {"latin": sum(map(len, words))}
    rest = "" if sample.isascii() else "".join(_BEYOND_LATIN.findall(sample))  # English: a few quotes and dashes
    if any(c.isalpha() for c in rest):
        counts.update((script, sum(map(len, runs.findall(rest)))) for script, runs in _script_runs().items())
    letters = sum(counts.values())
    if letters == 0:
        return Language(UNDETERMINED, "none", 0.0)
    script = max(counts, key=counts.__getitem__)
    share = counts[script] / letters
    if letters < MIN_LETTERS:
        return Language(UNDETERMINED, script, share)
    if script == "cyrillic":
        return Language(_cyrillic_language(sample, counts[script]), script, share)
    if script == "latin":
        return Language(_latin_language(words), script, share)
    if script == "han" and counts["kana"]:
        return Language("ja", "kana", share)
    return Language(_SCRIPT_LANGUAGE.get(script, UNDETERMINED), script, share)


def unscored_reason(language: Language, model_language: str = "en") -> str | None:
    """Why a model trained on ``model_language`` text should not score text in ``language``; None when it should.

    Text too short to tell, or in an unnamed language of the model's own script, is scored.
    """
    if language.code == model_language:
        return None
    if language.code == UNDETERMINED and language.script in ("none", MODEL_SCRIPT.get(model_language, "latin")):
        return None
    found = f"{language.name} ({language.code})" if language.code != UNDETERMINED else language.name
    return (f"the text is in {found}, and the model was trained on "
            f"{NAMES.get(model_language, model_language)} ({model_language})")


def _cyrillic_language(sample: str, n_cyrillic: int) -> str:
    """Russian, unless letters proper to another Cyrillic language are frequent enough (``sample`` is lower case)."""
    for code, letters, least in _CYRILLIC_MARKS:
        if sum(map(sample.count, letters)) >= least * n_cyrillic:
            return code
    if not ("ы" in sample or "э" in sample) and sample.count("ъ") >= 0.01 * n_cyrillic:
        return "bg"
    return "ru"


def _latin_language(words: list[str]) -> str:
    """The language whose function words are most of the (lower-case) words, if they are enough of them."""
    if len(words) < MIN_WORDS:
        return UNDETERMINED
    seen = Counter(words)
    hits = {code: sum(map(seen.__getitem__, vocabulary & seen.keys())) for code, vocabulary in _FUNCTION_SETS.items()}
    best = max(hits, key=hits.__getitem__)
    return best if hits[best] >= max(MIN_HITS, MIN_SHARE * len(words)) else UNDETERMINED
