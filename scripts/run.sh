#!/usr/bin/env bash
# `make run`: installs what is missing, starts or finds PostgreSQL and Redis, builds the
# app (release) and serves it in the foreground. The server applies migrations and
# seeds the demo account on start.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source scripts/toolchain.sh
source scripts/services.sh

setup_toolchain
setup_services

step "Building the app (release; the first build takes a while)"
cargo leptos build --release "${LEPTOS_LIB_ARGS[@]}" || die "build failed"

export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"

step "Starting the server"
"$CARGO_TARGET_DIR/release/server" &
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid"; exit 0' INT TERM
until curl -sf "http://$LEPTOS_SITE_ADDR/health" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" || true
    die "the server stopped during start-up (see its log above)"
  fi
  sleep 0.2
done

cat <<BANNER

  ${BOLD}Agent Factory is running at http://$LEPTOS_SITE_ADDR${RESET}
  Demo login: demo@agentfactory.dev / demo-password
  Press Ctrl-C to stop.

BANNER
wait "$server_pid"
