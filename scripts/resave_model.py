"""Rewrite a model folder in the current format: read it (any format frames reads), check it, save it again.

The saved files are exactly what `frames train` writes for the same model, so a folder written by an
older frames (e.g. models/default after a retrain on another branch) is brought up to date mechanically.
Other files in the folder (metrics.json, codebook.json) are carried over unchanged.

Usage: python scripts/resave_model.py [FOLDER ...]   (default: models/default)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from frames.model.modelfile import LEGACY_VOCABULARY_FILE, MODEL_FILES, read_model, save_model_folder  # noqa: E402


def resave(folder: Path) -> None:
    """Read ``folder`` and write it back in the current format, keeping its other files."""
    data = read_model(folder)
    dropped = set(MODEL_FILES) | {LEGACY_VOCABULARY_FILE}
    extra = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name not in dropped}
    save_model_folder(data, folder, extra)
    print(f"{folder}: rewritten ({', '.join(sorted([*MODEL_FILES, *extra]))})")


if __name__ == "__main__":
    for name in sys.argv[1:] or [str(ROOT / "models" / "default")]:
        resave(Path(name))
