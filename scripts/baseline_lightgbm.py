#!/usr/bin/env python3
"""The LightGBM baseline beside `shrike eval`: gradient-boosted trees on the data set's raw
columns, with the same time split and the same four metrics, printed as JSON.

  baseline_lightgbm.py ieee-cis --csv PATH --test-from-id N
  baseline_lightgbm.py ulb --csv PATH [--test-fraction 0.2]

IEEE-CIS: rows with TransactionID >= N are test rows, the others train. Features: every
column but TransactionID, isFraud and TransactionDT (time itself does not carry over to
later rows); text columns (ProductCD, R_emaildomain, id_16, id_27, DeviceInfo) are categorical. ULB: rows
sorted by Time, the last fraction are test rows (FDB split); features V1-V28 and Amount.

The model's settings are fixed below and were not tuned on any test rows. Metrics use the
definitions of docs/backtest.md: PR-AUC is scikit-learn's average precision; recall at an
FPR is the highest true-positive rate among thresholds whose false-positive rate is at most it.
Needs pandas, scikit-learn and lightgbm (pip install in /work/.cache/venv).
"""
import argparse
import json
import sys
import time

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

PARAMS = dict(
    n_estimators=500,
    learning_rate=0.05,
    num_leaves=63,
    min_child_samples=50,
    subsample=0.8,
    subsample_freq=1,
    colsample_bytree=0.7,
    reg_lambda=1.0,
    random_state=42,
    n_jobs=2,
    verbose=-1,
)


def recall_at_fpr(y, s, max_fpr):
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    return float(tpr[fpr <= max_fpr].max())


def ieee(args):
    df = pd.read_csv(args.csv)
    test = df["TransactionID"] >= args.test_from_id
    y = df["isFraud"].astype(int)
    x = df.drop(columns=["TransactionID", "isFraud", "TransactionDT"])
    for c in x.select_dtypes(exclude=["number", "bool"]).columns:
        cats = pd.Categorical(x.loc[~test, c]).categories  # categories seen in training only
        x[c] = pd.Categorical(x[c], categories=cats)
    return x, y, test


def ulb(args):
    df = pd.read_csv(args.csv).sort_values("Time", kind="stable").reset_index(drop=True)
    n = len(df)
    test = pd.Series(np.arange(n) >= n - round(n * args.test_fraction))
    return df.drop(columns=["Time", "Class"]), df["Class"].astype(int), test


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data_set", choices=["ieee-cis", "ulb"])
    p.add_argument("--csv", required=True)
    p.add_argument("--test-from-id", type=int)
    p.add_argument("--test-fraction", type=float, default=0.2)
    args = p.parse_args()
    if args.data_set == "ieee-cis" and args.test_from_id is None:
        p.error("ieee-cis needs --test-from-id")
    start = time.time()
    x, y, test = (ieee if args.data_set == "ieee-cis" else ulb)(args)
    model = lgb.LGBMClassifier(**PARAMS).fit(x[~test], y[~test])
    s = model.predict_proba(x[test])[:, 1]
    yt = y[test].to_numpy()
    out = {
        "model": f"lightgbm {lgb.__version__} on raw columns",
        "rows": int(len(y)),
        "train_rows": int((~test).sum()),
        "test_rows": int(test.sum()),
        "test_fraud": int(yt.sum()),
        "columns": int(x.shape[1]),
        "pr_auc": float(average_precision_score(yt, s)),
        "roc_auc": float(roc_auc_score(yt, s)),
        "recall_at_1pct_fpr": recall_at_fpr(yt, s, 0.01),
        "recall_at_01pct_fpr": recall_at_fpr(yt, s, 0.001),
        "seconds": round(time.time() - start, 1),
    }
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
