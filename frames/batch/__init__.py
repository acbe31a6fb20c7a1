"""Batch scoring of folders and corpus files, streamed to CSV or JSONL, in parallel and resumable.

``frames.batch.run_batch`` and its options are imported on first use, so that importing one
module of this folder does not import the others.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"BatchOptions": "run", "BatchSummary": "run", "run_batch": "run"}


def __getattr__(name: str):
    """Import a public name's module the first time the name is used (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'frames.batch' has no attribute {name!r}")
    return getattr(importlib.import_module(f"frames.batch.{_EXPORTS[name]}"), name)
