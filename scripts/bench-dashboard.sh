#!/usr/bin/env bash
# Benchmark of the dashboard (figures in the README): a database of its own seeded once
# with 1,000,000 runs over 90 days across 100 teams (scripts/bench/dashboard-seed.sql),
# the release server on a spare port, and server-side renders of /dashboard for the
# largest team — the demo team — timed by scripts/bench/dashboard-load.mjs.
source "$(dirname "$0")/bench/prelude.sh"

step "Building the release server"
cargo build --release -p server

bench_db=agent_factory_bench
psql "$DATABASE_OWNER_URL" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$bench_db'" | grep -q 1 ||
  psql "$DATABASE_OWNER_URL" -qc "CREATE DATABASE $bench_db"
export DATABASE_URL="${DATABASE_URL%/*}/$bench_db" DATABASE_OWNER_URL="${DATABASE_OWNER_URL%/*}/$bench_db"
export LEPTOS_SITE_ADDR=127.0.0.1:3960 RUST_LOG=warn LOG_FORMAT=json REDIS_PREFIX="agf-bench:"
background "$CARGO_TARGET_DIR/release/server"
# The server applies the migrations and seeds the demo account before it listens.
until curl -sf "http://$LEPTOS_SITE_ADDR/health" >/dev/null 2>&1; do sleep 0.2; done

step "Seeding the data set (the first time only; about a minute)"
psql "$DATABASE_OWNER_URL" -q -f scripts/bench/dashboard-seed.sql 2>&1 | grep -v "only superuser can analyze"

step "Server-side renders of /dashboard for the largest team"
BASE_URL="http://$LEPTOS_SITE_ADDR" node scripts/bench/dashboard-load.mjs
