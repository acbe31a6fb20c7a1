"""Write labels/test-split.json: the frozen held-out real test split, chosen by document.

A document is held out when a seeded hash of its id falls under SHARE (frames.labels.store.in_held_out_split),
so the choice is fixed once and a document labelled later lands on the same side every time.
Documents already listed stay listed: the split only grows. Run after labelling new real documents:

    python scripts/freeze_test_split.py labels
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from frames.files.atomic import write_atomic
from frames.labels.store import (TEST_SPLIT_FILE, TEST_SPLIT_FORMAT, article_label_files, label_files, load_test_split,
                           parse_json_row, in_held_out_split)

SEED = 20261125
SHARE = 0.2


def real_documents(labels_dir: Path) -> set[str]:
    """The document ids of every reference row, sentence or article."""
    docs = set()
    for path in label_files(labels_dir) + article_label_files(labels_dir):
        for line in path.read_text(encoding="utf-8").splitlines():
            row, problem = parse_json_row(line) if line.strip() else (None, "")
            if isinstance(row, dict) and "corpus" in row and isinstance(row.get("doc"), str):
                docs.add(row["doc"])
    return docs


def main(labels_dir: str = "labels") -> int:
    folder = Path(labels_dir)
    docs = real_documents(folder)
    held = sorted(load_test_split(folder) | {d for d in docs if in_held_out_split(SEED, SHARE, d)})
    split = {"format": TEST_SPLIT_FORMAT, "seed": SEED, "share": SHARE,
             "rule": "sha256(f'{seed}:{doc}') read as a fraction < share; documents once listed stay listed",
             "documents": held}
    write_atomic(folder / TEST_SPLIT_FILE, (json.dumps(split, indent=1) + "\n").encode("utf-8"))
    print(f"{len(held)} of {len(docs)} real documents held out in {folder / TEST_SPLIT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
