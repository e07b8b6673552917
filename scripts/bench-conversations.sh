#!/usr/bin/env bash
# Conversations at scale (figures in the README): the release server with enough run
# workers for every turn at once, in front of the fake provider typing a word every
# 20 ms; CONVERSATIONS (default 1,000) conversations each send a message and stream
# the answer at the same time (scripts/bench/conversations.mjs): the time to the first
# token through us against the provider's own, and the server's memory per streaming
# conversation. Limits and quotas are raised out of the way.
source "$(dirname "$0")/bench/prelude.sh"

step "Building the release server (as make dist does) and the fake provider"
release_build --server-only
cargo build --release -p fake-llm

# Its turns spend the demo team's quota: not the one `make run` serves.
fresh_database agent_factory_conversations
export LEPTOS_SITE_ADDR=127.0.0.1:3960 FAKE_LLM_ADDR=127.0.0.1:3961
export DEMO_LLM_BASE_URL="http://$FAKE_LLM_ADDR" FAKE_LLM_TOKEN_DELAY_MS=20 RUST_LOG=warn LOG_FORMAT=json
export RATE_LIMIT_FREE=100000000 RATE_LIMIT_ENTERPRISE=100000000 RUN_WORKERS=1100
export REDIS_PREFIX="agf-bench-conversations:$(date +%s):"
# A socket per stream, on both sides.
ulimit -n "$(ulimit -Hn)"
serve_release
# The free plan's hundred runs a month would stop the benchmark, not measure it.
psql "$DATABASE_OWNER_URL" -qc "UPDATE teams SET plan = 'enterprise'" >/dev/null

step "${CONVERSATIONS:-1000} conversations streaming at once"
BASE="http://$LEPTOS_SITE_ADDR" FAKE="http://$FAKE_LLM_ADDR" AGF_KEY="$DEMO_API_KEY" SERVER_PID=$server_pid \
  node scripts/bench/conversations.mjs
