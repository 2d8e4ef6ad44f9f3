#!/usr/bin/env bash
# HTTP load benchmark of `shrike serve` on loopback (BENCHMARKS.md, "Decision service").
# Installs wrk if missing, starts the service with the reference policy on a fresh data
# directory, and for /v1/decide and the no-op /v1/echo (same stack, parse + re-serialise,
# no engine) measures: peak throughput (closed loop, C connections) and latency at half of
# that peak (each connection paced to one request per DELAY_MS). Prints one JSON line per run.
# Bounded: every run lasts DURATION seconds; the server is stopped by its PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15}"
CONNS="${CONNS:-64}"
EVENTS_N="${EVENTS_N:-200000}"
HALF_DELAY_MS="${HALF_DELAY_MS:-5}"
SYNC="${SYNC:-background}"
PORT="${PORT:-18090}"
command -v wrk >/dev/null || { sudo -n true 2>/dev/null && sudo apt-get install -y wrk || apt-get install -y wrk; }
cargo build --release --locked -p shrike-cli
BIN=target/release/shrike
mkdir -p data
[ "$(wc -l < data/bench-events.jsonl 2>/dev/null || echo 0)" -ge 50000 ] || $BIN gen --events "$EVENTS_N" --seed 7 --out data/bench-events.jsonl --labels data/bench-labels.jsonl >/dev/null
WORK=$(mktemp -d)
cat > "$WORK/shrike.toml" <<TOML
[server]
listen = "127.0.0.1:$PORT"
bench_echo = true
[durability]
sync = "$SYNC"
[auth]
required = false
TOML
run() { # run NAME PATH CONNS DELAY_MS START
  local out
  out=$(TARGET_PATH="$2" DELAY_MS="$4" START="$5" EVENTS=data/bench-events.jsonl \
    wrk -t1 -c"$3" -d"${DURATION}s" --timeout 5s -s scripts/wrk/events.lua "http://127.0.0.1:$PORT" | tail -1)
  echo "{\"run\":\"$1\",\"path\":\"$2\",\"connections\":$3,\"delay_ms\":$4,\"sync\":\"$SYNC\",\"result\":$out}"
}
for target in /v1/echo /v1/decide; do
  rm -rf "$WORK/data"
  $BIN serve --config "$WORK/shrike.toml" --data "$WORK/data" --policy examples/marketplace/policy.shrike \
    >"$WORK/serve.log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  peak=$(run peak "$target" "$CONNS" 0 0)
  echo "$peak"
  rps=$(echo "$peak" | sed -E 's/.*"rps":([0-9]+).*/\1/')
  sent=$(echo "$peak" | sed -E 's/.*"requests":([0-9]+).*/\1/')
  # Half of peak: C connections, each paced to one request per HALF_DELAY_MS plus its own
  # latency (~0.5 ms), give about C * 1000 / (HALF_DELAY_MS + 0.5) req/s. The achieved rate
  # is in the result.
  half_conns=$(( (rps / 2 * (HALF_DELAY_MS * 2 + 1) + 1999) / 2000 ))
  [ "$half_conns" -ge 1 ] || half_conns=1
  run half-peak "$target" "$half_conns" "$HALF_DELAY_MS" "$sent"
  kill -TERM $PID; wait $PID 2>/dev/null || true
  trap - EXIT
done
rm -rf "$WORK"
