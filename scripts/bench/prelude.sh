# What every benchmark script starts with (sourced): the cache locations and helpers,
# the toolchain, PostgreSQL and Redis — as `make run` sets them up.
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
source scripts/toolchain.sh
source scripts/services.sh
setup_toolchain
setup_services

# A fresh database of the benchmark's own, which the server then migrates and seeds:
# every run measures the same data, and none of it (runs, spent quota) lands in the
# database `make run` serves.
fresh_database() {
  local name="$1"
  psql "$DATABASE_OWNER_URL" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
  psql "$DATABASE_OWNER_URL" -qc "CREATE DATABASE $name" >/dev/null
  export DATABASE_URL="${DATABASE_URL%/*}/$name" DATABASE_OWNER_URL="${DATABASE_OWNER_URL%/*}/$name"
}

# What a benchmark starts in the background is stopped when it ends.
BENCH_PIDS=()
trap 'kill "${BENCH_PIDS[@]}" 2>/dev/null || true' EXIT
background() {
  "$@" >/dev/null 2>&1 &
  BENCH_PIDS+=($!)
}

# A new API key for the demo team, which the server seeds on start.
export DEMO_API_KEY="agf_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"

# The release fake provider and server, with what the caller exported (addresses,
# limits); returns once the server answers. $server_pid is the server's.
serve_release() {
  background "$CARGO_TARGET_DIR/release/fake-llm"
  background "$CARGO_TARGET_DIR/release/server"
  server_pid=${BENCH_PIDS[-1]}
  until curl -sf "http://$LEPTOS_SITE_ADDR/health" >/dev/null 2>&1; do sleep 0.2; done
}
