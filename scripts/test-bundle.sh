#!/usr/bin/env bash
# The release bundle, used as an operator would: packed from the tests' build
# (`scripts/dist.sh --debug`: the same layout as `make dist`), unpacked into a temporary
# folder, then `migrate`, `serve` and `worker` as separate processes with only the
# database and Redis settings (and a model to run on), used over HTTP, and stopped with
# SIGTERM. Needs the test build (cargo leptos build) and the services from services.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

work="$(mktemp -d)"
# A database of its own (make test drops leftovers named agf_test_* when it starts).
db="agf_test_bundle_$$"
pids=()
cleanup() {
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    sleep 1
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  psql "$DATABASE_OWNER_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "✗ $*" >&2; for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -20 "$log" >&2; }; done; exit 1; }

bundle="$(DIST_DIR="$work/dist" bash scripts/dist.sh --debug | tail -1)"
mkdir "$work/unpacked"
tar -xzf "$bundle" -C "$work/unpacked"
dir="$(find "$work/unpacked" -mindepth 1 -maxdepth 1 -type d)"
for file in bin/agent-factory site/pkg/agent-factory.js site/pkg/agent-factory.css migrations/0001_roles_and_accounts.sql \
  agent-factory.env agent-factory@.service agent-factory-migrate.service README.md; do
  [ -e "$dir/$file" ] || fail "the bundle has no $file"
done

psql "$DATABASE_OWNER_URL" -qc "CREATE DATABASE $db" >/dev/null || fail "could not create the database"
key="agf_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
# Only what the bundle's README asks for, and a model; nothing from this checkout. Run in
# a subshell, it becomes the server process itself (exec), so its PID is the server's.
run_bundle() {
  local log="$1"
  shift
  exec env -i PATH=/usr/bin:/bin HOME="$work" \
    DATABASE_URL="${DATABASE_URL%/*}/$db" \
    DATABASE_OWNER_URL="${DATABASE_OWNER_URL%/*}/$db" \
    REDIS_URL="$REDIS_URL" REDIS_PREFIX="agf-test:$db:" \
    LEPTOS_SITE_ROOT="$dir/site" DEMO_API_KEY="$key" SEED_MARKETPLACE=false \
    DEMO_LLM_BASE_URL="http://127.0.0.1:3902" \
    "$@" >>"$work/$log" 2>&1
}

FAKE_LLM_ADDR=127.0.0.1:3902 "$CARGO_TARGET_DIR/debug/fake-llm" >"$work/fake-llm.log" 2>&1 &
pids+=($!)

(cd "$dir" && run_bundle migrate.log bin/agent-factory migrate) || fail "migrate failed"
(cd "$dir" && run_bundle migrate.log bin/agent-factory migrate) || fail "a second migrate (nothing to do) failed"
(cd "$dir" && run_bundle serve.log env LEPTOS_SITE_ADDR=127.0.0.1:3110 bin/agent-factory serve) &
serve=$!
pids+=($serve)
(cd "$dir" && run_bundle worker.log env LEPTOS_SITE_ADDR=127.0.0.1:3111 bin/agent-factory worker) &
worker=$!
pids+=($worker)

web=http://127.0.0.1:3110
wait_ready() {
  for _ in $(seq 1 150); do
    curl -sf "$1/ready" >/dev/null && return 0
    sleep 0.2
  done
  fail "$1 did not become ready"
}
wait_ready "$web"
wait_ready http://127.0.0.1:3111
curl -sf --max-time 3 http://127.0.0.1:3111/v1/agents >/dev/null && fail "the worker serves the API"

# The site comes from the bundle.
curl -sf "$web/signin" | grep -q '/pkg/agent-factory' || fail "the sign-in page does not load the bundle's site"
curl -sf -o /dev/null "$web/pkg/agent-factory.css" || fail "the stylesheet is not served"

api() { curl -sf --max-time 70 -H "Authorization: Bearer $key" -H 'content-type: application/json' "$@"; }
spec='name: Bundle check\ninstructions: Say hello to {{input.who}}.\ninputs:\n  who: {type: string, required: true}\n'
agent="$(api -d "{\"spec\": \"$spec\"}" "$web/v1/agents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" ||
  fail "could not create an agent over the API"
# Queued by the web process, executed by the worker process.
run="$(api -d '{"input": {"who": "operator"}}' "$web/v1/agents/$agent/runs?wait=true")" || fail "could not run the agent"
status="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' <<<"$run")"
[ "$status" = succeeded ] || fail "the run ended $status: $run"

kill -TERM "$serve" "$worker"
wait "$serve" || fail "serve did not exit cleanly on SIGTERM"
wait "$worker" || fail "worker did not exit cleanly on SIGTERM"
pids=("${pids[0]}")
grep -q '"drained"\|drained' "$work/serve.log" || fail "serve did not drain"
echo "bundle $(basename "$bundle"): migrate (twice), serve + worker from it, an agent run over HTTP, SIGTERM drained"
