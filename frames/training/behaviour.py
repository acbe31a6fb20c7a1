"""Running the behavioural tests (frames.labels.behaviour) against a model, CheckList style.

A row passes when the model's sentence verdict on its focus frame (probability over the frame's
threshold) is whether the sentence carries that frame; a pair passes when both its rows pass.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from frames.errors import LabelsError
from frames.labels.behaviour import BehaviourCase


@dataclass(frozen=True)
class CapabilityResult:
    """One capability's pass counts, by row and by pair, and the rows that failed."""

    capability: str
    passed: int
    total: int
    pairs_passed: int
    pairs: int
    failures: tuple[BehaviourCase, ...]

    @property
    def rate(self) -> float:
        """The share of rows that pass."""
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class BehaviourReport:
    """Every capability's result, in file order, and the overall pass rate by row."""

    capabilities: tuple[CapabilityResult, ...]

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.capabilities)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.capabilities)

    @property
    def rate(self) -> float:
        """The share of all rows that pass."""
        return self.passed / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {"passed": self.passed, "total": self.total, "rate": self.rate,
                "capabilities": [{"capability": c.capability, "passed": c.passed, "total": c.total, "rate": c.rate,
                                  "pairs_passed": c.pairs_passed, "pairs": c.pairs} for c in self.capabilities]}


def run_behaviour(model, cases: list[BehaviourCase]) -> BehaviourReport:
    """Score every case with ``model`` and count passes per capability."""
    if not cases:
        raise LabelsError("no behavioural test cases: put minimal pairs in the labels folder's behaviour/ folder")
    missing = sorted({c.focus for c in cases} - set(model.frames))
    if missing:
        raise LabelsError(f"the model has no frame {missing[0]!r}, which behavioural cases test; use a model "
                          f"trained on this codebook")
    column = {fid: j for j, fid in enumerate(model.frames)}
    probabilities = model.predict_proba([c.text for c in cases])
    verdicts = [bool(probabilities[i, column[c.focus]] >= model.thresholds[column[c.focus]])
                for i, c in enumerate(cases)]
    by_capability: dict[str, list[tuple[BehaviourCase, bool]]] = defaultdict(list)
    for case, verdict in zip(cases, verdicts):
        by_capability[case.capability].append((case, verdict == case.expected))
    results = []
    for capability, rows in by_capability.items():
        pair_ok: dict[str, bool] = {}
        for case, ok in rows:
            pair_ok[case.pair] = pair_ok.get(case.pair, True) and ok
        results.append(CapabilityResult(capability, sum(ok for _, ok in rows), len(rows),
                                        sum(pair_ok.values()), len(pair_ok),
                                        tuple(case for case, ok in rows if not ok)))
    return BehaviourReport(tuple(results))
