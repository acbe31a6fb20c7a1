"""Check corpus shares on the frozen held-out articles: labelled share, the model's raw share
(classify and count) and the share corrected with the rates in model.json, per corpus and frame.

    python scripts/check_shares.py [LABELS] [MODEL]

Prints a Markdown table for the README. The held-out articles are never seen in training; the
rates come from cross-validation on the training articles, so this is an honest check.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from frames.labels.store import load_articles, load_test_split
from frames.model.scoring import load_model
from frames.show.shares import corrected_share
from frames.training.evaluation import article_verdicts


def main(labels: str = "labels", model_path: str | None = None) -> int:
    model = load_model(model_path)
    held = load_test_split(labels)
    articles = [a for a in load_articles(labels) if a.source in held]
    by_corpus = defaultdict(list)
    for a in articles:
        by_corpus[a.corpus or "inline"].append(a)
    rates = model.data.training.get("article_rates") or {}
    print("| corpus | articles | frame | labelled | raw (classify and count) | corrected [95% interval] | error |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for corpus in sorted(by_corpus):
        truth, predicted, _ = article_verdicts(model, by_corpus[corpus])
        n = len(truth)
        for j, fid in enumerate(model.frames):
            labelled, raw = truth[:, j].mean(), predicted[:, j].mean()
            fixed = corrected_share(int(predicted[:, j].sum()), n, rates.get(fid))
            shown = f"{fixed.share:.3f} [{fixed.low:.2f}, {fixed.high:.2f}]" if fixed else "—"
            error = abs(fixed.share - labelled) if fixed else abs(raw - labelled)
            worst = max(worst, error)
            print(f"| {corpus} | {n} | {fid} | {labelled:.3f} | {raw:.3f} | {shown} | {error:.3f} |")
    print(f"\nlargest error of the corrected share (raw where no correction): {worst:.3f} (goal <= 0.03)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
