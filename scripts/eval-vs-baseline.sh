#!/usr/bin/env bash
# Detection quality of Shrike beside the LightGBM baseline, both from this one run, on the
# same time split: `shrike eval` and scripts/baseline_lightgbm.py on IEEE-CIS and ULB.
#
# Defaults are the development split: IEEE-CIS rows with TransactionID < 3459432 only (the
# last 20% is the acceptance hold-out), tested from the TransactionID at 80% of those rows;
# ULB's first 80% by time train, last 20% test. The acceptance run sets
# IEEE_CSV=$DATA/ieee-cis/train.csv IEEE_TEST_FROM_ID=3459432.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${SHRIKE_DATA:-/work/.cache/data}"
PY="${PYTHON:-/work/.cache/venv/bin/python}"
./scripts/fetch-data.sh >/dev/null
IEEE_CSV="${IEEE_CSV:-$DATA/ieee-cis/train.dev.csv}"
IEEE_TEST_FROM_ID="${IEEE_TEST_FROM_ID:-$(cat "$DATA/ieee-cis/dev-split.txt")}"
ULB_CSV="${ULB_CSV:-$DATA/ulb/creditcard.csv}"
cargo build --release --locked -p shrike-cli >&2
B=target/release/shrike
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

$B eval ieee-cis --csv "$IEEE_CSV" --test-from-id "$IEEE_TEST_FROM_ID" --json >"$OUT/ieee.ours.json"
"$PY" scripts/baseline_lightgbm.py ieee-cis --csv "$IEEE_CSV" --test-from-id "$IEEE_TEST_FROM_ID" >"$OUT/ieee.lgbm.json"
$B eval ulb --csv "$ULB_CSV" --json >"$OUT/ulb.ours.json"
"$PY" scripts/baseline_lightgbm.py ulb --csv "$ULB_CSV" >"$OUT/ulb.lgbm.json"

"$PY" - "$OUT" "$IEEE_CSV" "$IEEE_TEST_FROM_ID" <<'PY'
import json, sys
out, csv, split = sys.argv[1:]
metrics = ["pr_auc", "roc_auc", "recall_at_1pct_fpr", "recall_at_01pct_fpr"]
rows = {}
for ds in ["ieee", "ulb"]:
    ours, base = (json.load(open(f"{out}/{ds}.{w}.json")) for w in ["ours", "lgbm"])
    name = "IEEE-CIS" if ds == "ieee" else "ULB"
    print(f"\n{name}: {ours['train_rows']} train rows, {ours['test_rows']} test rows ({ours['test_fraud']} fraud)"
          + (f"; {csv}, test from TransactionID {split}" if ds == "ieee" else "; FDB split, last 20% by time"))
    print(f"  {'metric':<22} {'shrike (' + ours['scorer'] + ')':>26} {base['model']:>34}")
    for m in metrics:
        f = lambda v: "-" if v is None else f"{v:.4f}"
        print(f"  {m:<22} {f(ours[m]):>26} {f(base[m]):>34}")
    rows[ds] = {"shrike": {m: ours[m] for m in metrics + ["scorer", "train_rows", "test_rows", "test_fraud"]},
                "lightgbm": {m: base[m] for m in metrics + ["model", "seconds"]}}
json.dump(rows, open(f"{out}/side_by_side.json", "w"))
print("\n" + json.dumps(rows))
PY
