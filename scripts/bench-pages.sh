#!/usr/bin/env bash
# Page benchmark (the table in the README): Lighthouse's mobile preset over every page
# of the performance goals, against the app built and served as `make run` serves it,
# on a database of its own seeded with the demo account, runs going to the demo model.
# PAGES=dashboard,run limits it to some pages (names in scripts/bench/lighthouse/pages.mjs).
# Then the editor's keystroke-to-error time (scripts/bench/editor-keystroke.mjs).
source "$(dirname "$0")/bench/prelude.sh"
apt_install chromium

step "Building the app as make run does"
local_build || die "build failed"
cargo build -p fake-llm || die "could not build the demo model"
python3 scripts/wasm-size.py || true

lighthouse_dir=scripts/bench/lighthouse
if [ ! -d "$lighthouse_dir/node_modules/lighthouse" ] ||
  [ "$lighthouse_dir/package-lock.json" -nt "$lighthouse_dir/node_modules/.package-lock.json" ]; then
  step "Installing Lighthouse from npm"
  npm ci --prefix "$lighthouse_dir" --no-audit --no-fund --loglevel=error || die "npm ci failed"
fi

# A fresh database each time, so every run measures the same data.
fresh_database agent_factory_pages
export LEPTOS_SITE_ADDR=127.0.0.1:3970 LEPTOS_SITE_ROOT=target/site RUST_LOG=warn LOG_FORMAT=json
export REDIS_PREFIX="agf-bench-pages:$(date +%s):"
export FAKE_LLM_ADDR=127.0.0.1:3971 DEMO_LLM_BASE_URL=http://127.0.0.1:3971
background "$CARGO_TARGET_DIR/debug/fake-llm"
background "$CARGO_TARGET_DIR/debug/server"
server_pid=${BENCH_PIDS[-1]}
until curl -sf "http://$LEPTOS_SITE_ADDR/ready" >/dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || die "the server stopped during start-up"
  sleep 0.2
done

step "Lighthouse, mobile preset, one page at a time"
BASE_URL="http://$LEPTOS_SITE_ADDR" API_KEY="$DEMO_API_KEY" node "$lighthouse_dir/pages.mjs"
step "The editor: keystroke to error"
node scripts/bench/editor-keystroke.mjs
step "Hydration: the main thread at 4× CPU, and WASM compiled lazily"
node scripts/bench/hydration-trace.mjs
