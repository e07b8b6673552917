#!/usr/bin/env bash
# `make test`: the whole suite, in the order that fails fastest: formatting, lints,
# unit and integration tests (real PostgreSQL and Redis), then the browser tests
# (Chromium driving the real server). Runs every step and ends with a summary.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source scripts/toolchain.sh
source scripts/services.sh

# What the tree looked like before anything ran (see tree_unchanged).
tree_before="$(git status --porcelain --untracked-files=no 2>/dev/null || true)"
setup_toolchain
ensure_contract_tools
JSON_SCHEMA_TEST_SUITE="$(bash scripts/json-schema-suite.sh)" || die "could not fetch the JSON-Schema-Test-Suite"
export JSON_SCHEMA_TEST_SUITE
ok "JSON-Schema-Test-Suite in $JSON_SCHEMA_TEST_SUITE"
setup_services
apt_install chromium

# Integration tests create a database (agf_test_*) and a Redis key space each; the
# browser tests use agent_factory_e2e. Remove what earlier runs left behind.
drop_test_databases() {
  local db
  for db in $(psql "$DATABASE_OWNER_URL" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'agf\_test\_%' OR datname = 'agent_factory_e2e'"); do
    # A connection of a role the owner may not end (a superuser's) keeps it: say so, and
    # let the next run drop it.
    psql "$DATABASE_OWNER_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
      echo "could not drop $db yet (still in use by another role)" >&2
  done
  redis-cli -u "$REDIS_URL" --scan --pattern 'agf-test:*' | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null
  redis-cli -u "$REDIS_URL" --scan --pattern 'agf-e2e:*' | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null
}
[ "$DATABASE_OWNER_URL" != none ] || die "the tests need DATABASE_OWNER_URL (a role that may create databases)"
drop_test_databases

passed=() failed=()
run_step() {
  local name="$1"
  shift
  step "$name"
  local started=$SECONDS
  if "$@"; then
    passed+=("$name ($((SECONDS - started)) s)")
  else
    failed+=("$name ($((SECONDS - started)) s)")
  fi
}

browser_tests() {
  # The browser tests get their own database and port, so a running `make run`
  # is left alone.
  local base="${DATABASE_OWNER_URL%/*}"
  psql "$DATABASE_OWNER_URL" -qc "CREATE DATABASE agent_factory_e2e" >/dev/null || return 1
  # Runs in the browser tests go to the demo model, slowed down so streaming shows.
  cargo build -q -p fake-llm -p fake-stripe -p fake-smtp -p fake-oidc -p fake-dns || return 1
  FAKE_LLM_ADDR=127.0.0.1:3901 FAKE_LLM_TOKEN_DELAY_MS=40 "$CARGO_TARGET_DIR/debug/fake-llm" &
  fakes+=($!)
  # Paid templates and plans go through the fake Stripe, whose events come back signed.
  FAKE_STRIPE_ADDR=127.0.0.1:12112 STRIPE_WEBHOOK_SECRET=whsec_e2e \
    FAKE_STRIPE_WEBHOOK_URL=http://127.0.0.1:3100/webhooks/stripe \
    "$CARGO_TARGET_DIR/debug/fake-stripe" &
  fakes+=($!)
  # Mail (password resets) goes to the SMTP sink; the tests read it from its inbox.
  FAKE_SMTP_ADDR=127.0.0.1:2526 FAKE_SMTP_WEB_ADDR=127.0.0.1:2581 "$CARGO_TARGET_DIR/debug/fake-smtp" &
  fakes+=($!)
  # Sign-in through an identity provider goes to the fake OpenID Connect provider.
  FAKE_OIDC_ADDR=127.0.0.1:2591 FAKE_OIDC_CLIENT_ID=agent-factory-e2e FAKE_OIDC_CLIENT_SECRET=e2e-oidc-secret \
    "$CARGO_TARGET_DIR/debug/fake-oidc" &
  fakes+=($!)
  # Team single sign-on proves domains against the fake name server, and reaches the
  # same fake provider as a team's own (outbound, so through the allowlist).
  FAKE_DNS_ADDR=127.0.0.1:2555 FAKE_DNS_API_ADDR=127.0.0.1:2556 "$CARGO_TARGET_DIR/debug/fake-dns" &
  fakes+=($!)
  DNS_RESOLVER=127.0.0.1:2555 FAKE_DNS_API_URL=http://127.0.0.1:2556 OUTBOUND_ALLOWLIST=127.0.0.1:2591 \
  OIDC_ISSUER=http://127.0.0.1:2591 OIDC_CLIENT_ID=agent-factory-e2e OIDC_CLIENT_SECRET=e2e-oidc-secret OIDC_LABEL="Fake OIDC" \
  SMTP_URL=smtp://127.0.0.1:2526 FAKE_SMTP_WEB_URL=http://127.0.0.1:2581 \
    STRIPE_SECRET_KEY=sk_test_e2e STRIPE_WEBHOOK_SECRET=whsec_e2e STRIPE_API_BASE=http://127.0.0.1:12112 \
    DEMO_LLM_BASE_URL=http://127.0.0.1:3901 \
    DATABASE_URL="${DATABASE_URL%/*}/agent_factory_e2e" \
    DATABASE_OWNER_URL="$base/agent_factory_e2e" \
    LEPTOS_SITE_ADDR=127.0.0.1:3100 RUST_LOG="${RUST_LOG:-warn}" \
    REDIS_PREFIX="agf-e2e:$(date +%s):" \
    limited 25m cargo leptos end-to-end "${LEPTOS_LIB_ARGS[@]}"
}

# The fakes the browser tests start are stopped however the script ends (a failure,
# Ctrl-C, CI's time limit). A signal ends the script: the next step must not start.
fakes=()
stop_fakes() { [ ${#fakes[@]} -eq 0 ] || kill "${fakes[@]}" 2>/dev/null || true; }
trap stop_fakes EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A step that runs tests (not builds) gets a time limit: a hang fails that step with
# its name instead of running into CI's limit with nothing reported. Each limit is
# several times the step's time on a loaded two-core machine.
limited() {
  local limit="$1"
  shift
  local status=0
  timeout --kill-after=30s "$limit" "$@" || status=$?
  [ $status -ne 124 ] || echo "✗ still running after $limit: stopped (a hang?)" >&2
  return $status
}

# npm rewrites package-lock.json on some installs; the suite must leave the tree as the
# clone had it.
tree_unchanged() {
  local changed
  changed="$(git status --porcelain --untracked-files=no)"
  [ "$changed" = "$tree_before" ] || {
    echo "the run changed tracked files:" >&2
    diff <(echo "$tree_before") <(echo "$changed") >&2
    return 1
  }
}

run_step "Migrations unchanged since committed" bash scripts/check-migrations.sh
run_step "Deployment artefacts (Kubernetes schemas, alert rules)" bash scripts/check-deploy.sh
run_step "Format" cargo fmt --all --check
run_step "Clippy (server, app, fakes)" cargo clippy -p app -p server -p fake-llm -p fake-stripe -p fake-smtp -p fake-oidc -p fake-dns --features app/ssr --all-targets -- -D warnings
run_step "Clippy (WASM client)" cargo clippy -p frontend --target wasm32-unknown-unknown "${WASM_CARGO_ARGS[@]}" -- -D warnings
test_crates=(-p app -p server -p fake-llm -p fake-stripe -p fake-smtp -p fake-oidc -p fake-dns --features app/ssr)
# A failed run is run once more (half a minute): a second failure fails the step, a pass
# is reported as flaky in the summary, with the first run's failure above to act on.
flaky=()
integration_tests() {
  limited 20m cargo test "${test_crates[@]}" && return 0
  step "Unit and integration tests failed; running them once more to tell a flaky test from a broken one"
  limited 20m cargo test "${test_crates[@]}" || return 1
  flaky+=("Unit and integration tests failed once and passed when run again: see the first failure above")
}
run_step "Build the tests" cargo test --no-run -q "${test_crates[@]}"
run_step "Unit and integration tests" integration_tests
# Built first (the cold build takes most of the time), so the tests' own limit is theirs.
run_step "Build the browser tests' server and client" cargo leptos build "${LEPTOS_LIB_ARGS[@]}"
run_step "Browser tests" browser_tests
stop_fakes
run_step "Release bundle (migrate, serve, worker, SIGTERM)" limited 5m bash scripts/test-bundle.sh
run_step "Scale-out (2 web + 2 worker behind HAProxy)" limited 10m bash scripts/test-scale-out.sh
# The documentation includes private items (an application, read by its maintainers), so
# links to them resolve and are allowed.
run_step "API documentation (cargo doc)" env RUSTDOCFLAGS="-D warnings -A rustdoc::private_intra_doc_links" cargo doc --no-deps --document-private-items -q -p app -p server -p fake-llm -p fake-stripe -p fake-smtp -p fake-oidc -p fake-dns --features app/ssr
run_step "Working tree unchanged" tree_unchanged
drop_test_databases

echo
step "Summary"
for s in "${passed[@]}"; do ok "$s"; done
for s in "${failed[@]}"; do printf '%s  ✗ %s%s\n' "$RED" "$s" "$RESET"; done
for s in "${flaky[@]}"; do printf '%s  ! %s%s\n' "$RED" "$s" "$RESET"; done
echo "steps: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
