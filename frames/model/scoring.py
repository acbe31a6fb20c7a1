"""Scoring with a loaded model: sentence probabilities, predicted frames, article profiles."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from frames.model.default_model import MODEL_ENV, default_model_path  # noqa: F401  (MODEL_ENV: kept importable here)
from frames.errors import ArticleError, FramesError, ModelError
from frames.model.features import Featurizer, TfidfBlock
from frames.text.language import MODEL_LANGUAGE, detect_language, unscored_reason
from frames.model.modelfile import ModelData, read_model
from frames.model.profile import (ArticleResult, FrameProfile, build_profile, counted_sentences, summarise,
                                  unscored_result)
from frames.text.sentences import Sentence, split_sentences
from frames.text.fragments import evidence_share, word_count


@dataclass(frozen=True)
class ModelIdentity:
    """Which model scored something: its folder name and the sha256 of the data it was trained on."""

    name: str
    data_sha256: str


class Model:
    """A trained frames model, scored with numpy (no scikit-learn import)."""

    CHUNK = 512  # sentences scored together: big enough to amortise numpy calls, small enough for cache

    def __init__(self, data: ModelData, path: Path | None = None):
        self.data = data
        self.path = path
        blocks: list[TfidfBlock] = []
        offset = 0
        for spec, vocab, idf in zip(data.features, data.vocabularies, data.idfs):
            weights = data.coef[:, offset:offset + spec.size].T  # (size, n_frames)
            blocks.append(TfidfBlock(spec, list(vocab), idf, weights))
            offset += spec.size
        self._featurizer = Featurizer(blocks)

    @property
    def identity(self) -> ModelIdentity:
        """The model's name (its folder's) and training-data hash, stamped on what it scores."""
        name = self.path.resolve().name if self.path is not None else "<unsaved>"
        return ModelIdentity(name, str(self.data.training.get("data_sha256", "")))

    def describe(self) -> dict:
        """The model's identity for output: path, name, training-data hash, trained date."""
        return {"path": str(self.path) if self.path is not None else None, "name": self.identity.name,
                "data_sha256": self.identity.data_sha256, "trained_at": _trained_at(self.path)}

    @property
    def frames(self) -> tuple[str, ...]:
        """The frame ids, in the order of every score column."""
        return self.data.frame_ids

    @property
    def frame_names(self) -> tuple[str, ...]:
        """Display names, aligned with ``frames``."""
        return self.data.frame_names

    @property
    def thresholds(self) -> np.ndarray:
        """Per-frame decision thresholds on the sentence probability."""
        return self.data.thresholds

    def decision_function(self, sentences: list[str]) -> np.ndarray:
        """The linear model's logit of each frame for each sentence, before calibration: the intercept
        plus the sentence's feature evidence, scaled down for sentences shorter than the model's
        ``evidence_words`` (see ``evidence_scale``)."""
        sentences = _sentence_list(sentences)
        evidence = np.zeros((len(sentences), len(self.frames)))
        words = np.zeros(len(sentences))
        # Chunks keep the per-term arrays small enough to stay in cache.
        for start in range(0, len(sentences), self.CHUNK):
            chunk = sentences[start:start + self.CHUNK]
            evidence[start:start + len(chunk)], words[start:start + len(chunk)] = self._featurizer.logits_and_words(chunk)
        if self.data.evidence_words:  # evidence_scale, from the word counts the featurizer already made
            evidence *= evidence_share(words, self.data.evidence_words)[:, None]
        return evidence + self.data.intercept

    def evidence_scale(self, sentences: list[str]) -> np.ndarray:
        """Per sentence, the share of its feature evidence the logit keeps: min(1, words / evidence_words).

        A bare keyword ("NATO") would otherwise carry its whole weight, as TF-IDF rows have unit length
        whatever the sentence's length; the model's training chose evidence_words by cross-validation.
        """
        return evidence_share(np.array([word_count(s) for s in sentences]), self.data.evidence_words)

    def predict_proba(self, sentences: list[str]) -> np.ndarray:
        """Calibrated probability of each frame for each sentence, shape (n, len(frames))."""
        logits = self.decision_function(sentences)
        if self.data.calibration is not None:
            logits = logits * self.data.calibration[:, 0] + self.data.calibration[:, 1]
        # exp(-logaddexp(0, -x)) is the logistic function without overflow for large |x|.
        return np.exp(-np.logaddexp(0.0, -logits))

    def predict(self, sentences: list[str]) -> list[list[str]]:
        """The frames over their thresholds, for each sentence."""
        carried = self.predict_proba(sentences) >= self.thresholds
        return [[f for f, on in zip(self.frames, row) if on] for row in carried]

    @property
    def featurizer(self) -> Featurizer:
        """The TF-IDF featurizer that scores sentences; explanations read the terms it finds."""
        return self._featurizer

    @property
    def language(self) -> str:
        """The language the model was trained on (ISO 639-1); models that do not say are English."""
        return str(self.data.training.get("language") or MODEL_LANGUAGE)

    def classify(self, text: str, top: int = 3, name: str = "<text>", check_language: bool = True) -> ArticleResult:
        """Split an article into sentences, score them, and build its frame profile.

        The result names the article's language. An article in another language than the model's
        is not scored: ``result.scored`` is False and no score is made up (``check_language=False``
        scores it anyway, as the commands' --any-language does).
        """
        if isinstance(text, (bytes, bytearray)):
            raise TypeError("bytes given, str expected; decode first or use read_article")
        if not isinstance(text, str):
            raise TypeError(f"classify expects the article's text as a str, got {type(text).__name__}")
        sentences = split_sentences(text)
        if not sentences:
            raise ArticleError(f"{name}: no sentences found (only numbers, symbols or blank lines)")
        language = detect_language(text)
        why = unscored_reason(language, self.language) if check_language else None
        if why is not None:
            return unscored_result(sentences, self.frames, self.frame_names, self.thresholds, language, why)
        return replace(self.profiles([sentences], top)[0], language=language)

    def profiles(self, articles: list[list[Sentence]], top: int = 3) -> list[ArticleResult]:
        """Frame profiles and sentence scores of already split, non-empty articles, scored in one pass."""
        return [build_profile(sentences, probabilities, self.frames, self.frame_names, self.thresholds,
                              self.data.article_rule, top)
                for sentences, probabilities in self._score_articles(articles, top)]

    def summaries(self, articles: list[list[Sentence]]) -> list[tuple[FrameProfile, ...]]:
        """Only the article-level frame profiles (no evidence, no sentence scores): cheaper for batches."""
        return [summarise(probabilities, self.frames, self.frame_names, self.thresholds, self.data.article_rule, 0,
                          counted_sentences(sentences))
                for sentences, probabilities in self._score_articles(articles, 0)]

    def _score_articles(self, articles: list[list[Sentence]], top: int) -> list[tuple[list[Sentence], np.ndarray]]:
        if top < 0:
            raise FramesError(f"top must be 0 or more, got {top}")
        probabilities = self.predict_proba([s.text for sentences in articles for s in sentences])
        bounds = np.cumsum([0] + [len(sentences) for sentences in articles])
        return [(sentences, probabilities[a:b]) for sentences, a, b in zip(articles, bounds[:-1], bounds[1:])]


def _trained_at(folder: Path | None) -> str | None:
    """The date in a model folder's metrics.json, if it has one."""
    import json

    try:
        return json.loads((folder / "metrics.json").read_text(encoding="utf-8")).get("trained_at")
    except (TypeError, OSError, ValueError, AttributeError):
        return None


def _sentence_list(sentences: list[str]) -> list[str]:
    """The sentences as a list of str; a bare string or a non-str item is a TypeError, not scored."""
    if isinstance(sentences, (str, bytes)):
        raise TypeError("expected a list of sentences, got a single string; wrap it: [sentence]")
    sentences = list(sentences)
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, str):
            raise TypeError(f"sentence {i} is {type(sentence).__name__}, expected str")
    return sentences


def load_model(path: str | Path | None = None) -> Model:
    """Load a model folder (None: $FRAMES_MODEL or the shipped default), checked before use."""
    if path is None and os.environ.get(MODEL_ENV):
        folder = default_model_path()
        try:
            return Model(read_model(folder), folder)
        except ModelError as exc:
            raise ModelError(f"${MODEL_ENV} is set to {folder}, which is not a usable model: {exc}. "
                             f"Point {MODEL_ENV} at a model folder, or unset it to use the shipped model") from None
    folder = Path(path) if path is not None else default_model_path()
    return Model(read_model(folder), folder)
