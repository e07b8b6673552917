#!/usr/bin/env bash
# Load benchmark of the public API (figures in the README): builds the release server
# and the fake provider, starts both on spare ports with limits raised out of the way,
# and loads them with wrk (Debian's; a C load generator light enough to leave the two
# cores to what is measured), 10 s per path at concurrency 10.
source "$(dirname "$0")/bench/prelude.sh"
apt_install wrk

step "Building the release server (as make dist does) and the fake provider"
release_build
cargo build --release -p fake-llm

export LEPTOS_SITE_ADDR=127.0.0.1:3950 FAKE_LLM_ADDR=127.0.0.1:3951
# The fake provider answers at once (no typing delay), so what is measured is ours.
export DEMO_LLM_BASE_URL="http://$FAKE_LLM_ADDR" FAKE_LLM_TOKEN_DELAY_MS=0 RUST_LOG=warn LOG_FORMAT=json
export RATE_LIMIT_FREE=100000000
serve_release

step "Load (10 s each, concurrency 10, one wrk thread)"
base="http://$LEPTOS_SITE_ADDR"
export AGF_KEY="$DEMO_API_KEY"
# Warm the caches (key lookup, prepared statements, connections) first.
wrk -t1 -c10 -d2s -s scripts/bench/agents.lua "$base/v1/agents" >/dev/null
echo "GET /v1/agents:"
wrk -t1 -c10 -d10s --latency -s scripts/bench/agents.lua "$base/v1/agents" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
echo "POST /v1/chat/completions (fake provider):"
GATEWAY_OVERHEAD=1 wrk -t1 -c10 -d10s --latency -s scripts/bench/gateway.lua "$base/v1/chat/completions" |
  grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|gateway added"
