"""Speed of `frames classify`: cold start as a whole process, and in-process sentences per second.

Prints, measured in the same run:
- the median wall time of `frames classify SEED` from a cold start (goal: at most 0.5 s), and the
  median of `python -c "import numpy"`, the two run alternately; the ratio (goal: at most 1.6);
- the median time of `python -c "import sklearn.linear_model"`, and classify's ratio to it;
- in-process scoring throughput on one core over the labelled sentences (goal: 100,000 sentences/s),
  first pass (empty word cache) and warm (median and best of 5);
- the median wall time of `frames report` from a cold start on a 5,000-word article made by
  concatenating the seed articles in a loop (goal: under 0.5 s), and the page's size.

Usage: python scripts/bench_classify.py [--runs 9] [--article PATH] [--report-words 5000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_54a8847a04773ff6.txt"


def wall(command: list[str], runs: int) -> float:
    """Median wall seconds of a command over ``runs`` runs, after one warm-up."""
    return walls([command], runs)[0]


def walls(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall seconds of each command over ``runs`` rounds, the commands run alternately in each
    round (so that a busy spell of the machine slows all of them), after one warm-up each."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, env=env)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, taken in zip(commands, times):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            taken.append(time.perf_counter() - start)
    return [statistics.median(taken) for taken in times]


def long_article(words: int) -> str:
    """The seed articles, concatenated in a loop until the text has at least ``words`` words."""
    seeds = sorted(SEED.parent.glob("*.txt"))
    parts, count = [], 0
    while count < words:
        text = seeds[len(parts) % len(seeds)].read_text(encoding="utf-8")
        parts.append(text)
        count += len(text.split())
    return "\n\n".join(parts)


def throughput(texts: list[str], repeat: int) -> tuple[float, float, float]:
    """Sentences per second for a freshly loaded model (cold word cache), and the median and best warm pass."""
    import frames

    model = frames.load_model()
    start = time.perf_counter()
    model.predict_proba(texts)
    first = len(texts) / (time.perf_counter() - start)
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        model.predict_proba(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    return first, statistics.median(rates), max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--article", type=Path, default=SEED)
    parser.add_argument("--report-words", type=int, default=5000)
    args = parser.parse_args()
    if not args.article.is_file():
        sys.exit(f"no article at {args.article}; pass --article PATH")
    frames_cmd = [shutil.which("frames")] if shutil.which("frames") else [sys.executable, "-m", "frames"]
    classify, numpy = walls([[*frames_cmd, "classify", str(args.article)], [sys.executable, "-c", "import numpy"]],
                            args.runs)
    sklearn = wall([sys.executable, "-c", "import sklearn.linear_model"], args.runs)
    print(f"cold `frames classify {args.article.name}`: median {classify:.3f} s over {args.runs} runs (goal <= 0.5 s)")
    print(f"`python -c 'import numpy'` alone:          median {numpy:.3f} s (run alternately with classify)")
    print(f"ratio classify / numpy import:              {classify / numpy:.2f} (goal <= 1.6)")
    print(f"`import sklearn.linear_model` alone:       median {sklearn:.3f} s")
    print(f"ratio classify / sklearn import:            {classify / sklearn:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "long.txt"
        article.write_text(long_article(args.report_words), encoding="utf-8")
        page = Path(tmp) / "long.html"
        report = wall([*frames_cmd, "report", str(article), "-o", str(page), "--force"], args.runs)
        words = len(article.read_text(encoding="utf-8").split())
        print(f"cold `frames report` on a {words:,}-word article: median {report:.3f} s over {args.runs} runs "
              f"(goal < 0.5 s); page {page.stat().st_size / 1e6:.2f} MB")

    import frames
    from frames.labels.store import load_labels

    texts = [s.text for s in load_labels(ROOT / "labels").sentences]
    texts = (texts * (40_000 // len(texts) + 1))[:40_000]
    first, warm, best = throughput(texts, repeat=5)
    print(f"in-process scoring, one core, {len(texts)} sentences: first pass {first:,.0f}/s, "
          f"warm median of 5 {warm:,.0f}/s, best {best:,.0f}/s (goal >= 100,000/s warm)")
    del frames


if __name__ == "__main__":
    main()
