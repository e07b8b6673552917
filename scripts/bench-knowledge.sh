#!/usr/bin/env bash
# Knowledge bases (figures in the README), through the release server and the fake
# embeddings: ingestion throughput (DOCUMENTS Markdown files uploaded at once, until
# every one is ready); then 1,000,000 chunks in one team's knowledge base and 100 teams
# with 10,000 each, written straight to the database, and the search latency through
# the API (query embedding, both rankings, fusion) for the big one and for the 100
# teams; last, recall@10 of the HNSW path against exact search on those vectors (shaped
# like text embeddings). KEEP_DATA=1 measures searches again on the data set a previous
# run left (the seeding takes ~15 minutes). Retrieval quality with a real model is
# scripts/bench-retrieval.sh.
source "$(dirname "$0")/bench/prelude.sh"

step "Building the release server (as make dist does) and the fake provider"
release_build --server-only
cargo build --release -p fake-llm

if [ "${KEEP_DATA:-}" = 1 ]; then
  export DATABASE_URL="${DATABASE_URL%/*}/agent_factory_knowledge" DATABASE_OWNER_URL="${DATABASE_OWNER_URL%/*}/agent_factory_knowledge"
else
  fresh_database agent_factory_knowledge
fi
export LEPTOS_SITE_ADDR=127.0.0.1:3970 FAKE_LLM_ADDR=127.0.0.1:3971
export DEMO_LLM_BASE_URL="http://$FAKE_LLM_ADDR" RUST_LOG=warn LOG_FORMAT=json
export RATE_LIMIT_FREE=100000000 RATE_LIMIT_ENTERPRISE=100000000
export REDIS_PREFIX="agf-bench-knowledge:$(date +%s):"
serve_release
psql "$DATABASE_OWNER_URL" -qc "UPDATE teams SET plan = 'enterprise'" >/dev/null

export BASE="http://$LEPTOS_SITE_ADDR" AGF_KEY="$DEMO_API_KEY"
if [ "${KEEP_DATA:-}" != 1 ]; then
  step "Ingestion: ${DOCUMENTS:-200} documents uploaded at once"
  node scripts/bench/knowledge.mjs ingest

  step "Writing 1,000,000 chunks for the demo team and 10,000 for each of 100 teams (takes minutes)"
  time psql "$DATABASE_OWNER_URL" -v ON_ERROR_STOP=1 -q -f scripts/bench/knowledge-seed.sql
fi

step "Search latency through the API"
node scripts/bench/knowledge.mjs search

step "Recall@10 of the HNSW path against exact search"
psql "$DATABASE_OWNER_URL" -v ON_ERROR_STOP=1 -q -f scripts/bench/knowledge-recall.sql
