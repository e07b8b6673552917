-- wrk script for the gateway benchmark: POST /v1/chat/completions with the key in
-- AGF_KEY, for the model in GATEWAY_MODEL (default `cheap`), through the response cache
-- when GATEWAY_CACHE=on. With GATEWAY_OVERHEAD=1 it collects each answer's
-- X-Gateway-Overhead-Ms (the gateway's own added latency, measured by the server) and
-- prints its p50/p99 at the end; without it wrk does no per-response work, so the
-- throughput runs leave the cores to what is measured.
local model = os.getenv("GATEWAY_MODEL") or "cheap"
wrk.method = "POST"
wrk.body = '{"model":"' .. model .. '","max_tokens":32,"temperature":0,"messages":[{"role":"user","content":"Say hello"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("AGF_KEY") or "none")
if os.getenv("GATEWAY_CACHE") == "on" then
  wrk.headers["X-Gateway-Cache"] = "on"
end

if os.getenv("GATEWAY_OVERHEAD") == "1" then
  local threads = {}

  function setup(thread)
    table.insert(threads, thread)
  end

  function init(args)
    overheads = {}
  end

  function response(status, headers, body)
    local value = headers["x-gateway-overhead-ms"] or headers["X-Gateway-Overhead-Ms"]
    if value then
      overheads[#overheads + 1] = tonumber(value)
    end
  end

  function done(summary, latency, requests)
    local all = {}
    for _, thread in ipairs(threads) do
      for _, value in ipairs(thread:get("overheads")) do
        all[#all + 1] = value
      end
    end
    table.sort(all)
    if #all == 0 then
      print("gateway added latency: no X-Gateway-Overhead-Ms header seen")
      return
    end
    local function at(p)
      return all[math.max(1, math.ceil(p / 100 * #all))]
    end
    print(string.format("gateway added latency: p50 %.3f ms, p99 %.3f ms over %d calls", at(50), at(99), #all))
  end
end
