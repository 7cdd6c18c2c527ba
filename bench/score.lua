-- wrk script for POST /api/v1/score: the body and the API key come from the environment (bench/serve_wrk.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("LEADSMITH_BENCH_KEY")
local f = assert(io.open(os.getenv("LEADSMITH_BENCH_BODY"), "r"))
wrk.body = f:read("*a")
f:close()

-- Count non-200 answers so a fast run of errors cannot pass for a fast run of scores.
local errors = 0
function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d (status), %d (connect), %d (read), %d (timeout)\n",
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.timeout))
  io.write(string.format("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
