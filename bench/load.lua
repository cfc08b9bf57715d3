-- The benchmark's wrk script: requests read from a file, sent in turn on every connection.
--
--   wrk -s bench/load.lua http://127.0.0.1:PORT -- REQUESTS_FILE
--
-- Each line of REQUESTS_FILE is METHOD <tab> PATH <tab> AUTHORIZATION <tab> BODY (the last two
-- may be empty). The requests are formatted once per thread; request() only hands them out.
-- done() prints one line, "WRK_JSON {...}", that bench/run.py reads.

local prepared = {}
local position = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, authorization, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = {}
      if authorization ~= "" then
        headers["Authorization"] = authorization
      end
      if body ~= "" then
        headers["Content-Type"] = "application/json"
      else
        body = nil
      end
      prepared[#prepared + 1] = wrk.format(method, path, headers, body)
    end
  end
  file:close()
  assert(#prepared > 0, "no request in " .. args[1])
  -- Threads start at different places in the list.
  position = math.random(#prepared) - 1
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "max_us": %.0f, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
