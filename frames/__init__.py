"""frames: find narrative frames in news, sentence by sentence.

    >>> import frames
    >>> model = frames.load_model()            # the shipped default model
    >>> result = model.classify(open("article.txt").read())
    >>> [(f.id, round(f.score, 2), f.present) for f in result.frames]
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING

# Public names and the module each lives in: imported on first use (PEP 562), so that
# `import frames` costs nothing and `frames classify` loads only what scoring needs.
_EXPORTS = {
    "Article": "articles", "decode_article": "articles", "read_article": "articles",
    "BatchOptions": "batch", "BatchSummary": "batch", "run_batch": "batch",
    "Codebook": "codebook", "Frame": "codebook", "load_codebook": "codebook",
    "ArticleError": "errors", "FramesError": "errors", "LabelsError": "errors", "ModelError": "errors",
    "Evaluation": "evaluation", "FrameScore": "evaluation", "evaluate_file": "evaluation",
    "LabelledSentence": "labels", "LabelSet": "labels", "Problem": "labels", "check_labels": "labels",
    "load_labels": "labels",
    "Model": "model", "load_model": "model",
    "default_model_path": "default_model",
    "ArticleResult": "profile", "FrameProfile": "profile", "ScoredSentence": "profile",
    "Sentence": "sentences", "split_sentences": "sentences",
}
# Modules the README points to as `frames.NAME`: imported on first use as well.
_MODULES = ("agreement", "interchange", "labelling", "versions", "explain", "report", "training", "batch", "trends")

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports these
    from frames.articles import Article, decode_article, read_article
    from frames.batch import BatchOptions, BatchSummary, run_batch
    from frames.codebook import Codebook, Frame, load_codebook
    from frames.default_model import default_model_path
    from frames.errors import ArticleError, FramesError, LabelsError, ModelError
    from frames.evaluation import Evaluation, FrameScore, evaluate_file
    from frames.labels import LabelledSentence, LabelSet, Problem, check_labels, load_labels
    from frames.model import Model, load_model
    from frames.profile import ArticleResult, FrameProfile, ScoredSentence
    from frames.sentences import Sentence, split_sentences


def __getattr__(name: str):
    """Import a public name's module the first time the name is used (PEP 562)."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"frames.{_EXPORTS[name]}"), name)
    elif name in _MODULES:
        value = importlib.import_module(f"frames.{name}")
    else:
        raise AttributeError(f"module 'frames' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_MODULES})


def train(labels_dir="labels", out="models/default", force=False):
    """Train a model on a labels folder and write it to ``out`` (see frames.training.train)."""
    from frames.training import train as _train

    return _train(labels_dir, out, force)


__all__ = [  # the names of _EXPORTS and train (a test checks the two agree)
    "Article", "ArticleError", "ArticleResult", "BatchOptions", "BatchSummary", "Codebook", "Evaluation", "Frame",
    "FrameProfile", "FrameScore", "FramesError", "LabelSet", "LabelledSentence", "LabelsError", "Model", "ModelError",
    "Problem", "ScoredSentence", "Sentence", "check_labels", "decode_article", "default_model_path", "evaluate_file",
    "load_codebook", "load_labels", "load_model", "read_article", "run_batch", "split_sentences", "train",
]
