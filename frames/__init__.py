"""frames: find narrative frames in news, sentence by sentence.

    >>> import frames
    >>> model = frames.load_model()            # the shipped default model
    >>> result = model.classify(open("article.txt").read())
    >>> [(f.id, round(f.score, 2), f.present) for f in result.frames]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from frames.version import __version__

# Public names and the module each lives in: imported on first use (PEP 562), so that
# `import frames` costs nothing and `frames classify` loads only what scoring needs.
_EXPORTS = {
    "Article": "text.articles", "decode_article": "text.articles", "read_article": "text.articles",
    "BatchOptions": "batch.run", "BatchSummary": "batch.run", "run_batch": "batch.run",
    "Codebook": "labels.codebook", "Frame": "labels.codebook", "load_codebook": "labels.codebook",
    "ArticleError": "errors", "FramesError": "errors", "LabelsError": "errors", "ModelError": "errors",
    "Evaluation": "training.evaluation", "FrameScore": "training.evaluation", "evaluate_file": "training.evaluation",
    "LabelledSentence": "labels.store", "LabelSet": "labels.store", "Problem": "labels.store", "check_labels": "labels.store",
    "load_labels": "labels.store",
    "Model": "model.scoring", "load_model": "model.scoring",
    "default_model_path": "model.default_model",
    "ArticleResult": "model.profile", "FrameProfile": "model.profile", "ScoredSentence": "model.profile",
    "Sentence": "text.sentences", "split_sentences": "text.sentences",
}
# Modules the README points to as `frames.NAME`: imported on first use as well.
_MODULES = {"agreement": "labels.agreement", "interchange": "labels.interchange", "labelling": "training.labelling",
            "versions": "model.versions", "explain": "model.explain", "report": "show.report", "training": "training",
            "batch": "batch", "trends": "show.trends"}

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports these
    from frames.text.articles import Article, decode_article, read_article
    from frames.batch.run import BatchOptions, BatchSummary, run_batch
    from frames.labels.codebook import Codebook, Frame, load_codebook
    from frames.model.default_model import default_model_path
    from frames.errors import ArticleError, FramesError, LabelsError, ModelError
    from frames.training.evaluation import Evaluation, FrameScore, evaluate_file
    from frames.labels.store import LabelledSentence, LabelSet, Problem, check_labels, load_labels
    from frames.model.scoring import Model, load_model
    from frames.model.profile import ArticleResult, FrameProfile, ScoredSentence
    from frames.text.sentences import Sentence, split_sentences


def __getattr__(name: str):
    """Import a public name's module the first time the name is used (PEP 562)."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"frames.{_EXPORTS[name]}"), name)
    elif name in _MODULES:
        value = importlib.import_module(f"frames.{_MODULES[name]}")
    else:
        raise AttributeError(f"module 'frames' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_MODULES})


def train(labels_dir="labels", out="models/default", force=False):
    """Train a model on a labels folder and write it to ``out`` (see frames.training.fit.train)."""
    from frames.training.fit import train as _train

    return _train(labels_dir, out, force)


__all__ = [  # the names of _EXPORTS and train (a test checks the two agree)
    "Article", "ArticleError", "ArticleResult", "BatchOptions", "BatchSummary", "Codebook", "Evaluation", "Frame",
    "FrameProfile", "FrameScore", "FramesError", "LabelSet", "LabelledSentence", "LabelsError", "Model", "ModelError",
    "Problem", "ScoredSentence", "Sentence", "check_labels", "decode_article", "default_model_path", "evaluate_file",
    "load_codebook", "load_labels", "load_model", "read_article", "run_batch", "split_sentences", "train",
]
