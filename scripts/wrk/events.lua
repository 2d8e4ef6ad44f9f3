-- wrk script: POSTs the lines of EVENTS (a `shrike gen` JSON-lines file) in order, one per
-- request, to PATH, so every request is a distinct event (no duplicates) in event-time order.
-- DELAY_MS > 0 paces each connection (one request per DELAY_MS), for fixed-rate runs.
-- START=N begins at line N+1. Prints p50/p90/p99/p99.9 and the request rate as one JSON line at the end.
local path = os.getenv("TARGET_PATH") or "/v1/decide"
local file = os.getenv("EVENTS") or "data/bench-events.jsonl"
local key = os.getenv("API_KEY")
local pause = tonumber(os.getenv("DELAY_MS") or "0")
local lines, n = {}, 0

function init(args)
  for line in io.lines(file) do
    n = n + 1
    lines[n] = line
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if key then wrk.headers["Authorization"] = "Bearer " .. key end
end

-- START skips that many lines: a second run on the same server continues the stream.
local i = tonumber(os.getenv("START") or "0")
function request()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format(nil, path, nil, lines[i])
end

function delay()
  return pause
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local ok = summary.requests - summary.errors.status - summary.errors.connect - summary.errors.read
      - summary.errors.write - summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"ok":%d,"non2xx":%d,"rps":%.0f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, ok, summary.errors.status, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
