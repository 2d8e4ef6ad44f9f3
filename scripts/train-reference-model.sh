#!/usr/bin/env bash
# Regenerates examples/marketplace/payment-risk.model.json, the tree model of the reference
# policy, byte for byte (the generator, the export and the trainer are deterministic):
#   1. `shrike gen`: 1,000,000 events, seed 7 (not the seed 42 stream `shrike bench` and
#      the docs evaluate on);
#   2. `shrike features export` with the policy cut before its "tree model" section (the
#      features only), the event fields the model reads, and the labels;
#   3. the payment.attempt rows, with each first_seen feature turned into an age in
#      milliseconds (the event time minus it), which is what `age(...)` gives the model live;
#   4. `shrike train`: 200 trees of depth 6, validation on the last week.
# WORK (default: a temporary directory) keeps the intermediate files.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
cargo build --release --locked -p shrike-cli
SHRIKE=target/release/shrike
POLICY=examples/marketplace/policy.shrike
OUT=examples/marketplace/payment-risk.model.json

$SHRIKE gen --events 1000000 --seed 7 --out "$WORK/events.jsonl" --labels "$WORK/labels.jsonl" >/dev/null
sed '/^# --- tree model/,$d' "$POLICY" > "$WORK/features.shrike"
$SHRIKE features export --policy "$WORK/features.shrike" --events "$WORK/events.jsonl" \
    --labels "$WORK/labels.jsonl" --out "$WORK/features.csv" \
    --fields amount,card.country,ip_country,billing_address.country,items.count

# first_seen column -> the model input holding its age
awk -F, -v OFS=, '
    NR == 1 {
        split("user_device_first_seen=user_device_age user_country_first_seen=user_country_age " \
              "user_card_first_seen=user_card_age user_signed_up=account_age", pairs, " ")
        for (p in pairs) { split(pairs[p], kv, "="); rename[kv[1]] = kv[2] }
        for (i = 1; i <= NF; i++) {
            if ($i == "event_time_ms") now = i
            if ($i == "event_type") type = i
            if ($i in rename) { age[i] = 1; $i = rename[$i] }
        }
        print; next
    }
    $type == "payment.attempt" {
        for (i in age) if ($i != "") $i = $now - $i
        print
    }' "$WORK/features.csv" > "$WORK/train.csv"

IGNORE=event_id,event_time_ms,event_type,outcome,score,device_signups_1d,ip24_signups_1d
IGNORE=$IGNORE,phone_block_signups_1d,device_coupon_users_30d,address_coupon_users_30d
IGNORE=$IGNORE,device_review_users_7d,user_refunds_30d,affiliate_ip_clicks_1h,shop_bank_change
IGNORE=$IGNORE,attributes.rating
$SHRIKE train --data "$WORK/train.csv" --label label --out "$OUT" \
    --time-column event_time --valid-from 2026-09-22T00:00:00Z --ignore "$IGNORE" \
    --trees 200 --max-depth 6 --num-leaves 31 --learning-rate 0.05 --early-stopping-rounds 0 \
    --seed 1 --progress-every 50
echo "wrote $OUT (intermediate files in $WORK)"
