"""Throughput and memory of `frames batch` on a synthetic corpus, against the in-process floor.

Builds 10,000 articles of 3-8 KB by shuffling sentences of the seed articles and of labels/
(a fixed random seed, so every run scores the same corpus), then measures in one run:
- the floor: in-process scoring of the same, already split sentences with the loaded model;
- `frames batch` end to end with --jobs 1 and --jobs 2: articles/s and MB/s;
- peak memory (RSS) of `frames batch --jobs 1` at 1,000 and at 10,000 articles;
- the same articles as one JSONL corpus file (one article a row): --jobs 1, --jobs 2 and peak RSS,
  the parent reading the corpus and sending the texts to the workers in chunks.
With --pairs N, then N more pairs of --jobs 1 and --jobs 2 run back to back on the folder and on the
corpus file, each pair's speed-up and CPU, and the median: one pair can land in a busy spell of the
machine (the CPU time of the same work then grows), a median of several less so.
Goals on a 2-core machine: --jobs 1 within 1.5x of the floor's time; --jobs 2 at least 1.8x
faster than --jobs 1; at least 2 MB/s of article text per core; peak RSS at 10,000 within 1.2x of 1,000.

Usage: python scripts/bench_batch.py [--articles 10000] [--dir DIR] [--pairs N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


def build_corpus(folder: Path, n: int) -> int:
    """Write n articles of 3-8 KB into folder (100 per subfolder); returns the bytes written."""
    from frames.text.sentences import split_sentences

    rows = [json.loads(line) for path in sorted((ROOT / "labels").rglob("*.jsonl"))
            for line in path.read_text("utf-8").splitlines() if line.strip()]
    pool = [row["text"] for row in rows if "text" in row]  # inline rows; rows by reference carry no text
    for seed in sorted(SEEDS.glob("*.txt")):
        pool += [s.text for s in split_sentences(seed.read_text("utf-8"))]
    rng = random.Random(0)
    total = 0
    for i in range(n):
        target = rng.randint(3000, 8000)
        paragraphs, size = [], 0
        while size < target:
            paragraph = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 5)))
            paragraphs.append(paragraph)
            size += len(paragraph.encode("utf-8")) + 2
        path = folder / f"{i // 100:03d}" / f"{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = "\n\n".join(paragraphs).encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return total


def build_jsonl(folder: Path, path: Path) -> None:
    """The folder's articles as a JSONL corpus, one row each (id: the relative path), in path order."""
    with open(path, "w", encoding="utf-8") as out:
        for article in sorted(folder.rglob("*.txt")):
            row = {"id": article.relative_to(folder).as_posix(), "text": article.read_text("utf-8")}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def floor_seconds(folder: Path) -> float:
    """Seconds to score every sentence of the corpus in-process, split beforehand."""
    import frames
    from frames.batch.worker import keep_freed_memory

    keep_freed_memory()  # the allocator setting batch scoring runs with, so the floor is its best case
    model = frames.load_model()
    sentences = [s.text for path in sorted(folder.rglob("*.txt"))
                 for s in frames.split_sentences(path.read_text("utf-8"))]
    start = time.perf_counter()
    model.predict_proba(sentences)
    return time.perf_counter() - start


def run_batch(folder: Path, out: Path, jobs: int) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of `frames batch` as a whole process (the CPU of
    its workers included once it has reaped them): CPU / wall below the jobs shows another load
    on the machine took cores from the run."""
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "frames", "batch", str(folder), "--out", str(out), "--jobs", str(jobs), "-q"]
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"frames batch failed: {command}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the corpus (default: a temporary folder)")
    parser.add_argument("--pairs", type=int, default=0,
                        help="then this many pairs of --jobs 1 and --jobs 2 per input, and their median speed-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = args.dir or Path(scratch)
        big, small = base / "corpus", base / "corpus-1000"
        size = build_corpus(big, args.articles)
        build_corpus(small, args.articles // 10)
        mb = size / 1e6
        print(f"corpus: {args.articles} articles, {mb:.1f} MB ({size / args.articles / 1000:.1f} KB each)")
        floor = floor_seconds(big)
        print(f"floor, in-process scoring of the split sentences: {floor:.1f} s ({args.articles / floor:.0f} articles/s)")
        one, rss_big, one_cpu = run_batch(big, base / "one.csv", 1)
        two, _, two_cpu = run_batch(big, base / "two.csv", 2)
        _, rss_small, _ = run_batch(small, base / "small.csv", 1)
        same = (base / "one.csv").read_bytes() == (base / "two.csv").read_bytes()
        print(f"frames batch --jobs 1: {one:.1f} s, {args.articles / one:.0f} articles/s, {mb / one:.2f} MB/s "
              f"= {one / floor:.2f} x the floor (goal <= 1.5); CPU {one_cpu:.1f} s")
        print(f"frames batch --jobs 2: {two:.1f} s, {args.articles / two:.0f} articles/s, {mb / two:.2f} MB/s "
              f"= {one / two:.2f} x faster than --jobs 1 (goal >= 1.8); outputs identical: {same}; CPU {two_cpu:.1f} s, "
              f"{two_cpu / two:.2f} cores busy on average")
        print(f"MB/s per core: {mb / one:.2f} (jobs 1), {mb / two / 2:.2f} (jobs 2) (goal >= 2)")
        print(f"peak RSS, --jobs 1: {rss_small:.0f} MiB at {args.articles // 10} articles, {rss_big:.0f} MiB at "
              f"{args.articles} = {rss_big / rss_small:.2f} x (goal <= 1.2)")
        corpus, corpus_small = base / "corpus.jsonl", base / "corpus-1000.jsonl"
        build_jsonl(big, corpus)
        build_jsonl(small, corpus_small)
        c_one, c_rss_big, c_one_cpu = run_batch(corpus, base / "c-one.csv", 1)
        c_two, _, c_two_cpu = run_batch(corpus, base / "c-two.csv", 2)
        _, c_rss_small, _ = run_batch(corpus_small, base / "c-small.csv", 1)
        same = (base / "c-one.csv").read_bytes() == (base / "c-two.csv").read_bytes()
        print(f"corpus file, --jobs 1: {c_one:.1f} s, {mb / c_one:.2f} MB/s = {c_one / floor:.2f} x the floor; "
              f"--jobs 2: {c_two:.1f} s, {c_one / c_two:.2f} x faster than its --jobs 1 ({one / c_two:.2f} x the folder's); "
              f"outputs identical: {same}; CPU {c_one_cpu:.1f} s (jobs 1), {c_two_cpu:.1f} s (jobs 2, "
              f"{c_two_cpu / c_two:.2f} cores busy)")
        print(f"corpus file, peak RSS --jobs 1: {c_rss_small:.0f} MiB at {args.articles // 10} rows, {c_rss_big:.0f} MiB "
              f"at {args.articles} = {c_rss_big / c_rss_small:.2f} x")
        for name, source in (("folder", big), ("corpus file", corpus)) if args.pairs > 0 else ():
            ratios = []
            for k in range(args.pairs):
                a, _, a_cpu = run_batch(source, base / "pair-one.csv", 1)
                b, _, b_cpu = run_batch(source, base / "pair-two.csv", 2)
                ratios.append(a / b)
                print(f"{name}, pair {k + 1}: --jobs 1 {a:.1f} s (CPU {a_cpu:.1f} s), --jobs 2 {b:.1f} s "
                      f"(CPU {b_cpu:.1f} s) = {a / b:.2f} x")
            print(f"{name}: --jobs 2 speed-up, median of {args.pairs} pairs: {statistics.median(ratios):.2f} x (goal >= 1.8)")


if __name__ == "__main__":
    main()
