#!/usr/bin/env python3
"""Shrike's trainer beside LightGBM on the same synthetic fraud-like data, same parameters.

Writes a seeded CSV (200k rows, 50 features: 40 numeric with missing values, 10 text
categorical; ~3% positives; a time column), splits it by time into train (70%), validation
(15%, early stopping for both) and test (15%, held out), trains LightGBM in Python and
`shrike train` on the same rows, scores the test rows with both (ours by an independent
NumPy reader of the model file), and prints PR-AUC, ROC-AUC, trees and training time.

    cargo build --release -p shrike-cli
    /work/.cache/venv/bin/python crates/shrike-model/bench/compare_lightgbm.py [--rows N]

Data goes to /work/.cache/data/compare (never into the repository).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
OUT = "/work/.cache/data/compare"
CARDINALITIES = [3, 5, 8, 12, 20, 30, 50, 100, 200, 500]
POSITIVE_RATE = 0.03


def make_data(rows, seed):
    rng = np.random.default_rng(seed)
    cols = {"ts": np.arange(rows) * 60 + 1_700_000_000}
    logit = np.full(rows, -5.3)
    for j in range(40):
        kind = j % 4
        if kind == 0:
            x = rng.lognormal(3.0 + 0.1 * j, 1.0, rows)
        elif kind == 1:
            x = rng.poisson(1.0 + 0.2 * j, rows).astype(float)
        elif kind == 2:
            x = rng.normal(0.0, 1.0, rows)
        else:
            x = rng.uniform(0.0, 1.0, rows)
        z = (x - np.mean(x)) / (np.std(x) + 1e-9)
        if j < 12:  # informative features, some non-monotone, some interacting
            logit += [0.9, -0.6, 0.5, 0.7][kind] * np.clip(z, -3, 3)
            if j % 3 == 0:
                logit += 0.8 * (np.abs(z) > 1.5)
        if j in (3, 7):
            logit += 0.9 * (z > 0.5) * (cols.get("num_2", np.zeros(rows)) > 0.5)
        missing = rng.uniform(size=rows) < [0.0, 0.05, 0.15, 0.3][j % 4]
        if j in (1, 6, 10):  # missingness that carries signal
            logit += 1.1 * missing
        x[missing] = np.nan
        cols[f"num_{j}"] = x
    for j, card in enumerate(CARDINALITIES):
        weights = 1.0 / np.arange(1, card + 1) ** 1.1
        codes = rng.choice(card, rows, p=weights / weights.sum())
        risk = np.random.default_rng(seed + 100 + j).normal(0.0, 0.9 if j < 6 else 0.3, card)
        logit += risk[codes]
        text = np.array([f"c{j}_{c}" for c in range(card)], dtype=object)[codes]
        text[rng.uniform(size=rows) < 0.05] = ""
        cols[f"cat_{j}"] = text
    # shift the intercept so ~3% of rows are positive, as in card fraud
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(1.0 / (1.0 + np.exp(-(logit + mid)))) < POSITIVE_RATE else (lo, mid)
    y = (rng.uniform(size=rows) < 1.0 / (1.0 + np.exp(-(logit + lo)))).astype(int)
    df = pd.DataFrame(cols)
    df["is_fraud"] = y
    return df


def lightgbm_params(args, threads):
    return {
        "objective": "binary", "learning_rate": args.learning_rate, "num_leaves": args.num_leaves,
        "min_data_in_leaf": 20, "min_sum_hessian_in_leaf": 1e-3, "lambda_l2": 0.0, "max_bin": 255,
        "max_cat_to_onehot": 4, "max_cat_threshold": 32, "cat_smooth": 10.0, "cat_l2": 10.0,
        "min_data_per_group": 100, "bagging_fraction": args.bagging, "bagging_freq": 1 if args.bagging < 1 else 0,
        "feature_fraction": args.feature_fraction, "seed": 1, "deterministic": True,
        "num_threads": threads, "verbose": -1, "metric": "average_precision",
    }


def to_lightgbm(df, features, cats):
    x = df[features].copy()
    for c in features:
        if c.startswith("cat_"):
            x[c] = pd.Categorical(x[c].replace("", np.nan), categories=cats[c])
    return x


def run_lightgbm(args, train, valid, test, features):
    cats = {c: sorted(set(train[c]) - {""}) for c in features if c.startswith("cat_")}
    xt, xv, xs = (to_lightgbm(d, features, cats) for d in (train, valid, test))
    out = {}
    for threads in (1, 2):
        dtrain = lgb.Dataset(xt, train["is_fraud"], free_raw_data=False)
        dvalid = lgb.Dataset(xv, valid["is_fraud"], reference=dtrain)
        start, cpu = time.perf_counter(), time.process_time()
        booster = lgb.train(lightgbm_params(args, threads), dtrain, num_boost_round=args.trees,
                            valid_sets=[dvalid], callbacks=[lgb.early_stopping(50, verbose=False)])
        out[f"seconds_{threads}t"] = time.perf_counter() - start
        out[f"cpu_{threads}t"] = time.process_time() - cpu
    out["trees"] = booster.best_iteration
    out["valid"] = booster.predict(xv, num_iteration=booster.best_iteration)
    out["test"] = booster.predict(xs, num_iteration=booster.best_iteration)
    return out


def score_ours(model, df):
    """Margins of a Shrike model file, read independently of the Rust code (docs/models.md)."""
    n = len(df)
    x = np.empty((n, len(model["inputs"])))
    for i, inp in enumerate(model["inputs"]):
        col = df[inp["name"]]
        if inp["kind"] == "categorical":
            code = {s: k for k, s in enumerate(inp.get("dictionary", []))}
            x[:, i] = [np.nan if v == "" else code.get(v, -1.0) for v in col]
        else:
            x[:, i] = col.to_numpy(dtype=float)
    ens = model["ensemble"]
    margin = np.full(n, ens["base_margin"])
    for tree in ens["trees"]:
        nodes = tree["nodes"]
        leaf = np.array([nd["kind"] == "leaf" for nd in nodes])
        value = np.array([nd.get("value", 0.0) for nd in nodes])
        at = np.zeros(n, dtype=int)
        while not leaf[at].all():
            for a in np.unique(at[~leaf[at]]):
                node, sel = nodes[a], np.flatnonzero(at == a)
                v = x[sel, node["input"]]
                if node["kind"] == "numeric":
                    left = v <= float(node["threshold"])
                else:
                    codes = np.where(np.isnan(v) | (v < 0), -1, np.nan_to_num(v)).astype(np.int64)
                    left = np.isin(codes, node["categories"])
                left = np.where(np.isnan(v), node["default_left"], left)
                at[sel] = np.where(left, node["left"], node["right"])
        margin += value[at]
    return 1.0 / (1.0 + np.exp(-margin))


def run_ours(args, train, valid, test, features):
    data = os.path.join(OUT, "train_valid.csv")
    pd.concat([train, valid])[["ts", "is_fraud"] + features].to_csv(data, index=False)
    model_path = os.path.join(OUT, "model.json")
    cmd = [os.path.join(ROOT, "target/release/shrike"), "train", "--data", data, "--label", "is_fraud",
           "--time-column", "ts", "--valid-from", str(int(valid["ts"].iloc[0])), "--out", model_path,
           "--trees", str(args.trees), "--learning-rate", str(args.learning_rate),
           "--num-leaves", str(args.num_leaves), "--bagging-fraction", str(args.bagging),
           "--feature-fraction", str(args.feature_fraction), "--early-stopping-rounds", "50",
           "--seed", "1", "--progress-every", "0"]
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result = json.loads(done.stdout)
    with open(model_path) as f:
        model = json.load(f)
    return {
        "seconds_1t": result["train_seconds"], "wall_seconds": wall, "trees": result["summary"]["trees"],
        "cpu_1t": cpu - result["read_seconds"],
        "valid_pr_auc_own": result["summary"]["valid_pr_auc"],
        "valid": score_ours(model, valid), "test": score_ours(model, test),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--trees", type=int, default=1000)
    ap.add_argument("--learning-rate", type=float, default=0.05)
    ap.add_argument("--num-leaves", type=int, default=31)
    ap.add_argument("--bagging", type=float, default=1.0)
    ap.add_argument("--feature-fraction", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    df = make_data(args.rows, args.seed)
    features = [c for c in df.columns if c not in ("ts", "is_fraud")]
    a, b = int(0.70 * len(df)), int(0.85 * len(df))
    train, valid, test = df.iloc[:a], df.iloc[a:b], df.iloc[b:]
    print(f"{len(df)} rows, {len(features)} features, positives {df['is_fraud'].mean():.2%}; "
          f"train {len(train)}, valid {len(valid)}, test {len(test)}", flush=True)
    lg = run_lightgbm(args, train, valid, test, features)
    ours = run_ours(args, train, valid, test, features)
    print(f"{'':10} {'trees':>6} {'valid PR-AUC':>13} {'test PR-AUC':>12} {'test ROC-AUC':>13} "
          f"{'train wall s':>13} {'train CPU s':>12}  (1 thread)")
    for name, r in (("lightgbm", lg), ("shrike", ours)):
        yv, ys = valid["is_fraud"], test["is_fraud"]
        print(f"{name:10} {r['trees']:>6} {average_precision_score(yv, r['valid']):>13.4f} "
              f"{average_precision_score(ys, r['test']):>12.4f} {roc_auc_score(ys, r['test']):>13.4f} "
              f"{r['seconds_1t']:>13.1f} {r['cpu_1t']:>12.1f}")
    print(f"lightgbm with 2 threads: {lg['seconds_2t']:.1f} s wall, {lg['cpu_2t']:.1f} s CPU; "
          f"shrike CPU s exclude its CSV read; shrike wall time including CSV read: "
          f"{ours['wall_seconds']:.1f} s; shrike's own valid PR-AUC {ours['valid_pr_auc_own']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
