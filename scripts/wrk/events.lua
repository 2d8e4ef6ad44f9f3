-- wrk script: POSTs events from EVENTS (a `shrike gen` JSON-lines file) to PATH, one per
-- request, every one a distinct event (no duplicates) in event-time order.
--
-- Only the first MAX_LINES lines (default 50,000) are loaded: a Lua table of millions of
-- strings stalls wrk's thread for hundreds of milliseconds now and then, which wrk would
-- count as server latency. Request i sends line ((i - 1) mod n) + 1 with a fresh event_id
-- ("w<i>") and its timestamp moved forward by the loaded span once per pass over the lines,
-- so the stream keeps going forward in time: the same accounts, devices and cards come back
-- in later passes and their windows keep filling, as on a real service.
--
-- DELAY_MS > 0 paces each connection: it waits DELAY_MS (may be fractional: wrk's timer
-- takes whole milliseconds, so the waits alternate between the two nearest whole values
-- with that mean) after each response before sending the next request; with C connections
-- and latency L the rate is about C * 1000 / (DELAY_MS + L), for fixed-rate runs.
-- START=N begins at request N+1 (a second run on the same server continues the stream).
-- Prints p50/p90/p99/p99.9 and the request rate as one JSON line at the end.
local path = os.getenv("TARGET_PATH") or "/v1/decide"
local file = os.getenv("EVENTS") or "data/bench-events.jsonl"
local key = os.getenv("API_KEY")
local pause = tonumber(os.getenv("DELAY_MS") or "0")
local max_lines = tonumber(os.getenv("MAX_LINES") or "50000")
local before_id, before_ts, rest, ts = {}, {}, {}, {}
local n, span = 0, 0

-- Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- Splits a line around its event_id and its RFC 3339 timestamp (written in that order by
-- `shrike gen`), keeping the timestamp as epoch milliseconds.
local function split(line)
  local a, b = line:find('"event_id":"[^"]*"')
  local c, d, y, mo, da, h, mi, s, ms =
    line:find('"timestamp":"(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)%.(%d+)Z"')
  if not a or not c or c < b then error("unexpected event line: " .. line:sub(1, 120)) end
  local days = days_from_civil(tonumber(y), tonumber(mo), tonumber(da))
  local t = ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60 + tonumber(s)
  return line:sub(1, a - 1), line:sub(b + 1, c - 1), line:sub(d + 1), t * 1000 + tonumber(ms)
end

function init(args)
  for line in io.lines(file) do
    if n >= max_lines then break end
    n = n + 1
    before_id[n], before_ts[n], rest[n], ts[n] = split(line)
  end
  span = ts[n] - ts[1] + 1000
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if key then wrk.headers["Authorization"] = "Bearer " .. key end
end

local i = tonumber(os.getenv("START") or "0")
function request()
  i = i + 1
  local k = (i - 1) % n + 1
  local pass = math.floor((i - 1) / n)
  local body = before_id[k] .. '"event_id":"w' .. i .. '"' .. before_ts[k]
    .. '"timestamp":' .. string.format("%d", ts[k] + pass * span) .. rest[k]
  return wrk.format(nil, path, nil, body)
end

local owed = 0
function delay()
  if pause <= 0 then return 0 end
  owed = owed + pause
  local whole = math.floor(owed)
  owed = owed - whole
  return whole
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
