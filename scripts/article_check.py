"""Article-level check of how sentence probabilities are aggregated into an article score.

Out-of-fold sentence probabilities (grouped CV, as in training) are pooled into synthetic
articles of 15-40 sentences with 0-3 sentences that carry a frame; each aggregation is scored by
article-level average precision (does it rank articles with the frame above those without?) and
by F1 of "present" at the frame's sentence threshold. Prints one row per aggregation.

Usage: python scripts/article_check.py [--labels labels] [--model DIR] [--articles 2000]
"""

from __future__ import annotations

import argparse

import numpy as np

from frames.evaluation import average_precision, label_matrix
from frames.labels import load_labels
from frames.model import load_model
from frames.agreement import settle
from frames.training import FEATURE_SETS, cross_validate, tune_threshold

AGGREGATIONS = {
    "max": lambda p: p.max(),
    "mean of top 2": lambda p: np.sort(p)[-2:].mean(),
    "mean": lambda p: p.mean(),
    "noisy-or": lambda p: 1 - np.prod(1 - p),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default="labels")
    parser.add_argument("--model", default=None, help="model whose settings to use (default: the shipped one)")
    parser.add_argument("--articles", type=int, default=2000, help="synthetic articles per frame")
    args = parser.parse_args()
    labels = load_labels(args.labels)
    sentences, _ = settle(labels.sentences)
    truth = label_matrix(sentences, labels.codebook.ids)
    groups = np.array([s.source for s in sentences])
    chosen = load_model(args.model).data.training  # the settings the model was trained with
    _, oof = cross_validate([s.text for s in sentences], truth, groups, chosen["cv"]["n_folds"],
                            {chosen["features"]: FEATURE_SETS[chosen["features"]]}, (chosen["C"],))
    probabilities = next(iter(oof.values()))
    rng = np.random.default_rng(0)
    print(f"{'aggregation':<14} " + " ".join(f"{f[:20]:>20}" for f in labels.codebook.ids) + "   (article AP / F1 of present)")
    results = {name: [] for name in AGGREGATIONS}
    for j in range(len(labels.codebook.ids)):
        threshold = tune_threshold(truth[:, j], probabilities[:, j])
        positives = np.flatnonzero(truth[:, j])
        others = np.flatnonzero(~truth[:, j])
        articles, present = [], []
        for _ in range(args.articles):
            n = int(rng.integers(15, 41))
            k = int(rng.choice([0, 0, 1, 2, 3]))
            rows = np.concatenate([rng.choice(others, n - k, replace=False), rng.choice(positives, k, replace=False)])
            articles.append(probabilities[rows, j])
            present.append(k > 0)
        present = np.array(present)
        for name, aggregate in AGGREGATIONS.items():
            scores = np.array([aggregate(p) for p in articles])
            ap = average_precision(present, scores)
            if name == "max":
                predicted = scores >= threshold
            else:  # the best cut for this aggregation, chosen on these same articles (its best case)
                predicted = scores >= tune_threshold(present, scores)
            tp = (predicted & present).sum()
            f1 = 2 * tp / (predicted.sum() + present.sum())
            results[name].append((ap, f1))
    for name, rows in results.items():
        print(f"{name:<14} " + " ".join(f"{ap:>13.3f} / {f1:.3f}" for ap, f1 in rows))


if __name__ == "__main__":
    main()
