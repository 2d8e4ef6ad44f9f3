#!/usr/bin/env bash
# The main job: build `shrike` and run the decision service on embedded storage with the
# reference policy. State lives in data/serve (journal, snapshots, records.db); a restart
# continues from it. Ctrl-C (SIGINT) or SIGTERM stops it cleanly: drain, commit, snapshot.
# LISTEN and DATA override the address and the data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
LISTEN="${LISTEN:-127.0.0.1:8080}"
DATA="${DATA:-data/serve}"
cargo build --release --locked -p shrike-cli
mkdir -p "$DATA"
exec target/release/shrike serve --listen "$LISTEN" --data "$DATA" --policy examples/marketplace/policy.shrike
