#!/usr/bin/env bash
# The main job of this stage: build shrike, generate a seeded synthetic marketplace stream,
# check the reference policy, and replay the stream through it. Decisions land in
# ./data/decisions.jsonl; the summary (outcomes, hits per rule, events/s) is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS="${EVENTS:-1000000}"
mkdir -p data
cargo build --release --locked -p shrike-cli
BIN=target/release/shrike
$BIN check examples/marketplace/policy.shrike
$BIN gen --events "$EVENTS" --seed 42 --out data/events.jsonl --labels data/labels.jsonl
$BIN replay --policy examples/marketplace/policy.shrike --events data/events.jsonl --out data/decisions.jsonl
$BIN bench --policy examples/marketplace/policy.shrike --events "$EVENTS"
