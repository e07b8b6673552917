-- wrk script for the gateway benchmark: POST /v1/chat/completions with the key in
-- AGF_KEY, collecting each answer's X-Gateway-Overhead-Ms (the gateway's own added
-- latency, measured by the server) and printing its p50/p99 at the end.
wrk.method = "POST"
wrk.body = '{"model":"cheap","max_tokens":32,"messages":[{"role":"user","content":"Say hello"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("AGF_KEY")

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
