"""Which model folder is used when none is named: $FRAMES_MODEL, else the one shipped with frames.

Its own small module so that training (which compares with the default model) and the CLI need
not import the scoring code to find it.
"""

from __future__ import annotations

import os
from pathlib import Path

MODEL_ENV = "FRAMES_MODEL"


def default_model_path() -> Path:
    """The model used when none is named: $FRAMES_MODEL, else the one shipped with frames."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent  # the frames package
    for candidate in (here / "models" / "default", here.parent / "models" / "default"):
        if candidate.is_dir():
            return candidate
    return here / "models" / "default"
