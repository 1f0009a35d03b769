-- wrk: POST a JSON body with a bearer token; BODY, TOKEN (and API_KEY, an x-api-key) from the environment; RATE (req/s overall,
-- with CONNECTIONS connections) turns the load into a constant-rate one.
wrk.method = "POST"
wrk.body = os.getenv("BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
local key = os.getenv("API_KEY")
if key and key ~= "" then wrk.headers["x-api-key"] = key end
-- IDEMPOTENCY_KEYS, a prefix: each request carries its own x-idempotency-key (PREFIX-THREAD-N), as
-- Start a Conversation requires one and a key used twice would be a replay.
local prefix = os.getenv("IDEMPOTENCY_KEYS")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
if prefix and prefix ~= "" then
  local sent = 0
  request = function()
    sent = sent + 1
    wrk.headers["x-idempotency-key"] = string.format("%s-%d-%d", prefix, thread_number or 0, sent)
    return wrk.format()
  end
end
local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "1")

if rate > 0 then
  delay = function() return connections * 1000 / rate end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"socket_errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
