"""Training and evaluation: fitting a model on labels, scoring it on held-out labels, choosing the
article rule, and the labeller of the retraining loop.

``frames.training.train`` is imported on first use: scikit-learn is loaded only to train.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"train": "fit", "TrainingResult": "fit"}


def __getattr__(name: str):
    """Import a public name's module the first time the name is used (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'frames.training' has no attribute {name!r}")
    return getattr(importlib.import_module(f"frames.training.{_EXPORTS[name]}"), name)
