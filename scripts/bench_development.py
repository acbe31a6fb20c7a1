"""The developer's loop, timed: `frames train` on the shipped labels and the whole test suite.

Runs each as a whole process, one after the other, and prints its wall time and CPU time (its own
and its children's: training's worker processes, the suite's background training) beside the goal:
- `frames train -l labels -o TMP` (goal: at most 30 s); it needs the labelled corpora beside the
  project (../shared/pool), and says so and skips when they are missing;
- `pytest -q` over the whole suite, slow tests included (goal: at most 60 s).
The CPU time shows a contended run: the same work takes more CPU seconds when the machine is busy.

Usage: python scripts/bench_development.py [--skip-tests] [--skip-train]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAIN_GOAL = 30.0
TESTS_GOAL = 60.0


def timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds (user + system, the command's whole process tree) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def corpora_missing() -> str:
    """Why the shipped labels cannot be read whole ('' when they can)."""
    sys.path.insert(0, str(ROOT))
    from frames.labels.store import missing_corpora

    return "; ".join(str(problem) for problem in missing_corpora(ROOT / "labels"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-train", action="store_true", help="do not time `frames train`")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite (about a minute)")
    args = parser.parse_args()
    failed = False
    if not args.skip_train:
        missing = corpora_missing()
        if missing:
            print(f"`frames train` on the shipped labels: skipped, {missing}")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                wall, cpu, done = timed([sys.executable, "-m", "frames", "train", "-l", "labels",
                                         "-o", os.path.join(tmp, "model")])
            failed |= done.returncode != 0
            status = "" if done.returncode == 0 else f" FAILED (exit {done.returncode}): {done.stderr.strip()[-500:]}"
            print(f"`frames train` on the shipped labels: {wall:.1f} s, CPU {cpu:.1f} s "
                  f"(goal <= {TRAIN_GOAL:.0f} s){status}")
    if not args.skip_tests:
        wall, cpu, done = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        summary = next((line for line in reversed(done.stdout.splitlines()) if " in " in line), "no summary")
        failed |= done.returncode != 0
        print(f"whole test suite: {wall:.1f} s, CPU {cpu:.1f} s (goal <= {TESTS_GOAL:.0f} s): {summary.strip('= ')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
