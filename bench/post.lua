-- wrk script: POST /api/predict with realistic canvas exports, and report in a form
-- bench/load.py can parse.
--
--   wrk -t1 -c16 -d10s --latency -s bench/post.lua http://127.0.0.1:PORT -- payloads.jsonl
--
-- payloads.jsonl holds one JSON request body per line ({"image": "data:image/png;base64,..."});
-- requests cycle through them so the server sees different drawings, not one cached one.
-- done() prints a single line "WRK_RESULT {json}" with the request count, the latency
-- percentiles (microseconds) and the errors: socket errors as wrk counts them, plus every
-- response that is not 2xx (wrk's own status count only includes >= 400).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   requests_made = 0
   not_2xx = 0
   prepared = {}
   for body in io.lines(args[1]) do
      local headers = {["Content-Type"] = "application/json"}
      table.insert(prepared, wrk.format("POST", "/api/predict", headers, body))
   end
   assert(#prepared > 0, "no request bodies in " .. args[1])
end

function request()
   requests_made = requests_made + 1
   return prepared[(requests_made - 1) % #prepared + 1]
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      not_2xx = not_2xx + 1
   end
end

function done(summary, latency, requests)
   local not_2xx_total = 0
   for _, thread in ipairs(threads) do
      not_2xx_total = not_2xx_total + thread:get("not_2xx")
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "not_2xx": %d}, ' ..
      '"latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.timeout, not_2xx_total,
      latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
      latency:percentile(95), latency:percentile(99)))
end
