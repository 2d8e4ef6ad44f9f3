#!/usr/bin/env python3
"""Writes crates/shrike-metrics/tests/fixtures/sklearn_random.json: a seeded random case
(scores with ties, labels, weights) and scikit-learn's values for it, which
crates/shrike-metrics/tests/sklearn.rs checks our metrics against.

Run with the shared venv: /work/.cache/venv/bin/python scripts/metrics_fixture.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

N = 3000
FPRS = [0.001, 0.01, 0.05, 0.2]


def recall_at_fpr(y, s, w, max_fpr):
    fpr, tpr, _ = roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    return float(tpr[fpr <= max_fpr].max())


def metrics(y, s, w):
    return {
        "average_precision": float(average_precision_score(y, s, sample_weight=w)),
        "roc_auc": float(roc_auc_score(y, s, sample_weight=w)),
        "recall_at_fpr": {str(f): recall_at_fpr(y, s, w, f) for f in FPRS},
    }


def main():
    rng = np.random.default_rng(20261201)
    labels = rng.random(N) < 0.08
    # Positives score higher on average; rounding to 2 decimals makes many ties.
    scores = np.round(np.clip(rng.normal(0.35 + 0.25 * labels, 0.18), 0, 1), 2)
    weights = np.round(rng.lognormal(3.0, 1.0, N), 2)
    # "By money": positives count their amount, negatives count once.
    money = np.where(labels, weights, 1.0)
    case = {
        "sklearn_version": sklearn.__version__,
        "scores": scores.tolist(),
        "labels": labels.astype(int).tolist(),
        "weights": weights.tolist(),
        "unweighted": metrics(labels, scores, None),
        "weighted": metrics(labels, scores, weights),
        "by_money": metrics(labels, scores, money),
    }
    out = os.path.join(os.path.dirname(__file__), "..", "crates", "shrike-metrics", "tests", "fixtures", "sklearn_random.json")
    with open(out, "w") as f:
        json.dump(case, f, separators=(",", ":"))
        f.write("\n")
    print(json.dumps({k: case[k] for k in ("unweighted", "weighted", "by_money")}, indent=1))


if __name__ == "__main__":
    main()
