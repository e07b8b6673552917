#!/usr/bin/env bash
# Gateway throughput and added latency (figures in the README): the release server in
# front of the fake provider answering at once, against the fake called directly, on
# the same two cores as wrk. Non-streaming chat completions at concurrency 1, 10 and 50:
#   - direct: the fake provider alone (what the gateway is compared with);
#   - gateway: one provider (`cheap`, the demo provider);
#   - 3 deployments: `gpt-4o-mini` over three OpenAI deployments (LLM_DEPLOYMENTS, each
#     its own key, spread by weight) — cache off, then on (every call a hit);
#   - LiteLLM: LiteLLM's proxy (PyPI, pinned; 2 workers, no database) in front of the
#     same fake, for the factor between the two in the same run (LITELLM=0 skips it);
# then the resident memory of each. "Added p50" is the gateway's p50 at concurrency 1
# minus the fake's: what a client sees the gateway add.
# BENCH_SECS (default 10) sets each run's length.
source "$(dirname "$0")/bench/prelude.sh"
apt_install wrk

step "Building the release server (as make dist does) and the fake provider"
release_build --server-only
cargo build --release -p fake-llm

# Its calls spend the demo team's quota: not the one `make run` serves.
fresh_database agent_factory_gateway
secs=${BENCH_SECS:-10}
LITELLM_VERSION=1.100.5
export LEPTOS_SITE_ADDR=127.0.0.1:3950 FAKE_LLM_ADDR=127.0.0.1:3951
fake="http://$FAKE_LLM_ADDR"
export DEMO_LLM_BASE_URL="$fake" FAKE_LLM_TOKEN_DELAY_MS=0 RUST_LOG=warn LOG_FORMAT=json
export RATE_LIMIT_FREE=100000000
export REDIS_PREFIX="agf-bench-gateway:$(date +%s):" KEY_A=sk-bench-a KEY_B=sk-bench-b KEY_C=sk-bench-c ROUTER_CHAIN=demo,openai MODEL_REFRESH_SECS=0
export LLM_DEPLOYMENTS='[{"provider":"openai","name":"a","url":"'$fake'/v1","key_var":"KEY_A","weight":2},
  {"provider":"openai","name":"b","url":"'$fake'/v1","key_var":"KEY_B"},
  {"provider":"openai","name":"c","url":"'$fake'/v1","key_var":"KEY_C"}]'
serve_release
export AGF_KEY="$DEMO_API_KEY"
gateway="http://$LEPTOS_SITE_ADDR/v1/chat/completions"

# One run: requests a second and the p50 and p99 latency, on one line.
load() {
  local connections=$1 url=$2
  wrk -t1 -c"$connections" -d"${secs}s" --latency -s scripts/bench/gateway.lua "$url" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
         END {printf "%10s req/s  p50 %8s  p99 %8s%s\n", rps, p50, p99, (bad ? "  NON-2XX " bad : "")}'
}

# Warm the caches (key lookup, connections) first.
GATEWAY_MODEL=gpt-4o-mini wrk -t1 -c10 -d2s -s scripts/bench/gateway.lua "$gateway" >/dev/null
wrk -t1 -c10 -d2s -s scripts/bench/gateway.lua "$gateway" >/dev/null

step "Non-streaming chat completions, ${secs} s per run, one wrk thread"
for c in 1 10 50; do
  printf "direct (the fake alone)   c%-3s" "$c"
  GATEWAY_MODEL=demo-fast load "$c" "$fake/v1/chat/completions"
  printf "gateway, one provider     c%-3s" "$c"
  load "$c" "$gateway"
  printf "3 deployments, cache off  c%-3s" "$c"
  GATEWAY_MODEL=gpt-4o-mini load "$c" "$gateway"
  printf "3 deployments, cache hit  c%-3s" "$c"
  GATEWAY_MODEL=gpt-4o-mini GATEWAY_CACHE=on load "$c" "$gateway"
done
if [ "${LITELLM:-1}" != 0 ]; then
  litellm_dir="$AGF_CACHE_DIR/litellm"
  if [ ! -x "$litellm_dir/bin/litellm" ]; then
    step "Installing LiteLLM's proxy from PyPI (one time)"
    python3 -m venv "$litellm_dir" && "$litellm_dir/bin/pip" install -q "litellm[proxy]==$LITELLM_VERSION" ||
      die "could not install LiteLLM"
  fi
  cat >"$litellm_dir/bench.yaml" <<YAML
model_list:
  - model_name: demo-fast
    litellm_params: {model: openai/demo-fast, api_base: "$fake/v1", api_key: fake}
litellm_settings: {telemetry: false}
YAML
  # Offline: the model price map from the package, not the internet. Without our
  # database and Redis settings, which LiteLLM would take as its own.
  env -u DATABASE_URL -u DATABASE_OWNER_URL -u REDIS_URL LITELLM_LOCAL_MODEL_COST_MAP=True "$litellm_dir/bin/litellm" --config "$litellm_dir/bench.yaml" \
    --host 127.0.0.1 --port 3952 --num_workers 2 >/dev/null 2>&1 &
  litellm_pid=$!
  trap 'kill "${BENCH_PIDS[@]}" 2>/dev/null; pkill -P $litellm_pid 2>/dev/null; kill $litellm_pid 2>/dev/null || true' EXIT
  until curl -sf http://127.0.0.1:3952/health/liveliness >/dev/null 2>&1; do
    kill -0 "$litellm_pid" 2>/dev/null || die "LiteLLM stopped during start-up"
    sleep 0.5
  done
  GATEWAY_MODEL=demo-fast wrk -t1 -c10 -d2s -s scripts/bench/gateway.lua http://127.0.0.1:3952/v1/chat/completions >/dev/null
  step "LiteLLM $LITELLM_VERSION's proxy (2 workers, no database) in front of the same fake"
  for c in 1 10 50; do
    printf "LiteLLM                   c%-3s" "$c"
    GATEWAY_MODEL=demo-fast load "$c" http://127.0.0.1:3952/v1/chat/completions
  done
  rss=0
  for pid in $litellm_pid $(pgrep -P "$litellm_pid"); do rss=$((rss + $(ps -o rss= -p "$pid" || echo 0))); done
  echo "LiteLLM resident memory, all its processes: $((rss / 1024)) MB"
fi
echo "gateway's own measure of what it adds (concurrency 10):"
GATEWAY_OVERHEAD=1 wrk -t1 -c10 -d"${secs}s" -s scripts/bench/gateway.lua "$gateway" | grep "gateway added"
echo "server resident memory after the runs: $(($(ps -o rss= -p "$server_pid") / 1024)) MB"
