#!/usr/bin/env bash
# HTTP load benchmark of `shrike serve` on loopback (BENCHMARKS.md, "Decision service (HTTP)").
# Installs wrk if missing, and for the no-op /v1/echo (same stack: auth layer, body limit,
# event parse, re-serialisation; no engine) and /v1/decide, each on a fresh server with the
# reference policy and a fresh data directory, measures:
#   1. peak: closed loop, CONNS connections, no pause;
#   2. fixed rates: RATES percent of that peak (default 25 50 75). Each connection pauses
#      between requests (fractional milliseconds, see scripts/wrk/events.lua); connections
#      and pause are chosen so that C * 1000 / (pause + LAT_EST_MS) is the target rate, with
#      a pause of about PAUSE_MS, then a PROBE_SECS probe at that setting scales the
#      connections by target / achieved. The achieved rate is reported beside the target.
# Prints one JSON line per run and a summary (peak ratio, p99 at 50%). Each run lasts
# DURATION seconds; the server is stopped by its PID at the end. Run it on a quiet machine:
# it prints the load average first and warns above 1.
# Environment: DURATION (15), PROBE_SECS (3), CONNS (64), RATES ("25 50 75"), PAUSE_MS (0.5), LAT_EST_MS (0.3),
# EVENTS_N (200000), SYNC (background), PORT (18090), TARGETS ("/v1/echo /v1/decide").
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15}"
PROBE_SECS="${PROBE_SECS:-3}"
CONNS="${CONNS:-64}"
RATES="${RATES:-25 50 75}"
PAUSE_MS="${PAUSE_MS:-0.5}"
LAT_EST_MS="${LAT_EST_MS:-0.3}"
EVENTS_N="${EVENTS_N:-200000}"
SYNC="${SYNC:-background}"
PORT="${PORT:-18090}"
TARGETS="${TARGETS:-/v1/echo /v1/decide}"
command -v wrk >/dev/null || { sudo -n true 2>/dev/null && sudo apt-get install -y wrk || apt-get install -y wrk; }
cargo build --release --locked -p shrike-cli
BIN=target/release/shrike
load=$(cut -d' ' -f1 /proc/loadavg)
echo "{\"load_average_1m\":$load,\"date\":\"$(date -u +%FT%TZ)\",\"cpus\":$(nproc)}"
awk -v l="$load" 'BEGIN { exit !(l >= 1) }' && echo "warning: load average $load >= 1: figures will be noisy" >&2
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
json_field() { echo "$1" | sed -E "s/.*\"$2\":([0-9.]+).*/\1/"; }
run() { # run NAME PATH CONNS PAUSE_MS START TARGET_RPS
  local out
  out=$(TARGET_PATH="$2" DELAY_MS="$4" START="$5" EVENTS=data/bench-events.jsonl \
    wrk -t1 -c"$3" -d"${DURATION}s" --timeout 5s -s scripts/wrk/events.lua "http://127.0.0.1:$PORT" | tail -1)
  echo "{\"run\":\"$1\",\"path\":\"$2\",\"connections\":$3,\"pause_ms\":$4,\"target_rps\":$6,\"sync\":\"$SYNC\",\"result\":$out}"
}
declare -A PEAK P99_HALF
for target in $TARGETS; do
  rm -rf "$WORK/data"
  $BIN serve --config "$WORK/shrike.toml" --data "$WORK/data" --policy examples/marketplace/policy.shrike \
    >"$WORK/serve.log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  line=$(run peak "$target" "$CONNS" 0 0 0)
  echo "$line"
  rps=$(json_field "$line" rps)
  sent=$(json_field "$line" requests)
  PEAK[$target]=$rps
  for pct in $RATES; do
    want=$(( rps * pct / 100 ))
    # Connections for a pause of about PAUSE_MS, then the exact (fractional) pause.
    conns=$(awk -v r="$want" -v p="$PAUSE_MS" -v l="$LAT_EST_MS" 'BEGIN { c = int(r * (p + l) / 1000 + 0.999); print (c < 1 ? 1 : c) }')
    pause=$(awk -v r="$want" -v c="$conns" -v l="$LAT_EST_MS" 'BEGIN { p = c * 1000 / r - l; printf "%.3f", (p < 0 ? 0 : p) }')
    # The pause is a lower bound (wrk's timers fire late, latency varies): a short probe
    # measures the rate these connections give, and the connections are scaled by it.
    probe=$(DURATION="$PROBE_SECS" run probe "$target" "$conns" "$pause" "$sent" "$want")
    sent=$(( sent + $(json_field "$probe" requests) ))
    got=$(json_field "$probe" rps)
    conns=$(awk -v c="$conns" -v w="$want" -v g="$got" 'BEGIN { n = int(c * w / (g > 0 ? g : w) + 0.5); print (n < 1 ? 1 : n) }')
    line=$(run "rate-$pct" "$target" "$conns" "$pause" "$sent" "$want")
    echo "$line"
    sent=$(( sent + $(json_field "$line" requests) ))
    [ "$pct" = 50 ] && P99_HALF[$target]=$(json_field "$line" p99_ms)
  done
  kill -TERM $PID; wait $PID 2>/dev/null || true
  trap 'rm -rf "$WORK"' EXIT
done
if [ -n "${PEAK[/v1/echo]:-}" ] && [ -n "${PEAK[/v1/decide]:-}" ]; then
  ratio=$(awk -v e="${PEAK[/v1/echo]}" -v d="${PEAK[/v1/decide]}" 'BEGIN { printf "%.2f", e / d }')
  echo "{\"summary\":true,\"echo_peak_rps\":${PEAK[/v1/echo]},\"decide_peak_rps\":${PEAK[/v1/decide]},\"peak_ratio_echo_over_decide\":$ratio,\"decide_p99_ms_at_50pct\":${P99_HALF[/v1/decide]:-null}}"
fi
