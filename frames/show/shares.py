"""Shares an analyst can quote: a frame's share of articles corrected for the model's known errors.

Classify-and-count overstates a rare frame: every false "present" adds to it. With the article
verdict's cross-validated rates on labelled real articles (tpr on articles that push the frame,
fpr on those that do not, stored in model.json by `frames train`), the observed share q gives the
estimate (q - fpr) / (tpr - fpr) (Rogan and Gladen's correction), clipped to [0, 1]. Its interval
adds the uncertainty of both rates to the sampling one (delta method).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
MIN_SEPARATION = 0.1  # tpr - fpr below this: the verdict tells too little to correct with


@dataclass(frozen=True)
class CorrectedShare:
    """The estimated true share of articles pushing a frame, and its 95% interval."""

    share: float
    low: float
    high: float


def corrected_share(present: int, articles: int, rates: dict | None) -> CorrectedShare | None:
    """The corrected share of ``present`` verdicts among ``articles``; None without usable rates."""
    if not articles or not rates or rates.get("tpr") is None or rates.get("fpr") is None:
        return None
    tpr, fpr = float(rates["tpr"]), float(rates["fpr"])
    n_pos, n_neg = int(rates.get("positives") or 0), int(rates.get("negatives") or 0)
    separation = tpr - fpr
    if separation < MIN_SEPARATION or not n_pos or not n_neg:
        return None
    observed = present / articles
    estimate = min(1.0, max(0.0, (observed - fpr) / separation))
    variance = (observed * (1 - observed) / articles + estimate ** 2 * tpr * (1 - tpr) / n_pos
                + (1 - estimate) ** 2 * fpr * (1 - fpr) / n_neg) / separation ** 2
    half = Z95 * math.sqrt(variance)
    return CorrectedShare(estimate, max(0.0, estimate - half), min(1.0, estimate + half))
