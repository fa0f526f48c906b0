-- wrk script: POST one form body, signed as Twilio signs it (the signature is fixed for a fixed
-- URL and body, so bench/webhooks.py computes it once and passes it in the environment).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Twilio-Signature"] = os.getenv("BENCH_SIGNATURE")
wrk.headers["User-Agent"] = "TwilioProxy/1.1"

-- One JSON line for bench/webhooks.py to read.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
