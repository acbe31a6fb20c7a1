"""frames: find narrative frames in news, sentence by sentence.

    >>> import frames
    >>> model = frames.load_model()            # the shipped default model
    >>> result = model.classify(open("article.txt").read())
    >>> [(f.id, round(f.score, 2), f.present) for f in result.frames]
"""

from __future__ import annotations

__version__ = "0.1.0"

from frames.articles import Article, decode_article, read_article
from frames.batch import BatchOptions, BatchSummary, run_batch
from frames.codebook import Codebook, Frame, load_codebook
from frames.errors import ArticleError, FramesError, LabelsError, ModelError
from frames.evaluation import Evaluation, FrameScore, evaluate_file
from frames.labels import LabelledSentence, LabelSet, Problem, check_labels, load_labels
from frames.model import Model, default_model_path, load_model
from frames.profile import ArticleResult, FrameProfile, ScoredSentence
from frames.sentences import Sentence, split_sentences


def train(labels_dir="labels", out="models/default", force=False):
    """Train a model on a labels folder and write it to ``out`` (see frames.training.train)."""
    from frames.training import train as _train

    return _train(labels_dir, out, force)


__all__ = [
    "Article", "ArticleError", "ArticleResult", "BatchOptions", "BatchSummary", "Codebook", "Evaluation", "Frame", "FrameProfile",
    "FrameScore", "FramesError", "LabelSet", "LabelledSentence", "LabelsError", "Model", "ModelError",
    "Problem", "ScoredSentence", "Sentence", "check_labels", "decode_article", "default_model_path",
    "evaluate_file", "load_codebook", "load_labels", "load_model", "read_article", "run_batch", "split_sentences", "train",
]
