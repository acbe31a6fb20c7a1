"""Speed of `frames trends` over a large batch result: the goal is under 5 s for 100,000 rows.

Writes a synthetic `frames batch` output (JSONL rows as a corpus run with --meta date,outlet
writes them: four frames, an id, a date over two years, one of five outlets; a fixed random seed),
then times whole `frames trends` processes, cold start included:
- the table only, --by month --by outlet;
- the same with the HTML page and the PNG (matplotlib drawing included).

Usage: python scripts/bench_trends.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

FRAMES = ("foreign_interference", "sanctions_resilience", "historical_unity", "economic_integration")
OUTLETS = ("kremlin.ru", "president.gov.ua", "tass.com", "akorda.kz", "inform.kz")
GOAL_SECONDS = 5.0


def write_rows(path: Path, n: int) -> int:
    """n batch rows with meta date and outlet; returns the bytes written."""
    rng = random.Random(0)
    start = date(2021, 1, 1)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            frames = {}
            for fid in FRAMES:
                score = rng.random()
                frames[fid] = {"score": score, "present": score > 0.7, "share": round(rng.random() * 0.3, 4)}
            row = {"id": f"http://example.org/news/{i}", "sha256": f"{rng.getrandbits(256):064x}",
                   "n_sentences": rng.randint(5, 80),
                   "meta": {"date": (start + timedelta(days=rng.randint(0, 729))).isoformat(),
                            "outlet": rng.choice(OUTLETS)},
                   "frames": frames, "model": {"name": "default", "data_sha256": "0" * 64}}
            out.write(json.dumps(row) + "\n")
    return path.stat().st_size


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "scores.jsonl"
        size = write_rows(results, args.rows)
        print(f"{args.rows:,} batch rows, {size / 1e6:.1f} MB")
        base = [sys.executable, "-m", "frames", "trends", str(results), "--by", "month", "--by", "outlet"]
        table = [seconds(base) for _ in range(args.runs)]
        page, png = Path(tmp) / "trends.html", Path(tmp) / "trends.png"
        drawn = [seconds(base + ["-o", str(page), "--png", str(png), "--force"]) for _ in range(args.runs)]
        for label, times in (("table only", table), ("table + HTML page + PNG", drawn)):
            best, median = min(times), statistics.median(times)
            verdict = "met" if median < GOAL_SECONDS else "MISSED"
            print(f"frames trends, {label}: median {median:.2f} s, best {best:.2f} s of {args.runs} "
                  f"(goal < {GOAL_SECONDS:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
