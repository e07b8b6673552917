#!/usr/bin/env bash
# `make run`: installs what is missing, starts or finds PostgreSQL and Redis, builds the
# app and serves it in the foreground. The server applies migrations and seeds the demo
# account on start.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source scripts/toolchain.sh
source scripts/services.sh

setup_toolchain
setup_services

step "Building the app: the client for release, the server for development (the first build takes a while)"
local_build || die "build failed"
# What a browser downloads, per page; it also checks that the WASM split moved each
# page's data out of the main module (a warning here, not a reason not to serve).
if command -v python3 >/dev/null; then
  python3 scripts/wasm-size.py || printf '%s  ! the main WASM module is larger than it should be%s\n' "$RED" "$RESET"
fi

export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"

# With no real LLM provider configured (no key, no Ollama answering), runs go to the
# built-in demo model, and the app says so in a banner.
real_provider() {
  [ -n "${OPENAI_API_KEY:-}${ANTHROPIC_API_KEY:-}${PERPLEXITY_API_KEY:-}${GROQ_API_KEY:-}${OPENROUTER_API_KEY:-}${DEMO_LLM_BASE_URL:-}" ] ||
    curl -sf --max-time 1 "${OLLAMA_BASE_URL:-http://127.0.0.1:11434}/api/tags" >/dev/null 2>&1
}
# Without Stripe keys, paid templates and plan upgrades go through the built-in fake
# Stripe (test mode: its "Pay" button sends the signed events Stripe would).
# Without SMTP_URL, mail goes to the built-in SMTP sink, whose web inbox shows it.
# Without an identity provider, "Continue with Fake OIDC" signs in through a local one.
demo_model=false fake_stripe=false fake_smtp=false fake_oidc=false
real_provider || demo_model=true
[ -n "${STRIPE_SECRET_KEY:-}" ] || [ "${APP_ENV:-local}" != local ] || fake_stripe=true
[ -n "${SMTP_URL:-}" ] || [ "${APP_ENV:-local}" != local ] || fake_smtp=true
[ -n "${OIDC_ISSUER:-}${GOOGLE_CLIENT_ID:-}" ] || [ "${APP_ENV:-local}" != local ] || fake_oidc=true
# One build for all of them (they share their dependencies with the server's).
if $demo_model || $fake_stripe || $fake_smtp || $fake_oidc; then
  cargo build -p fake-llm -p fake-stripe -p fake-smtp -p fake-oidc -p fake-dns || die "could not build the local stand-ins (demo model, Stripe, SMTP, OIDC, DNS)"
fi

fake_pid=""
if $demo_model; then
  step "No LLM provider configured: starting the demo model"
  export FAKE_LLM_ADDR="${FAKE_LLM_ADDR:-127.0.0.1:3900}"
  "$CARGO_TARGET_DIR/debug/fake-llm" &
  fake_pid=$!
  export DEMO_LLM_BASE_URL="http://$FAKE_LLM_ADDR"
fi

stripe_pid=""
if $fake_stripe; then
  step "No Stripe keys: starting the fake Stripe (test mode)"
  export FAKE_STRIPE_ADDR="${FAKE_STRIPE_ADDR:-127.0.0.1:12111}"
  export STRIPE_SECRET_KEY=sk_test_local STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_local}"
  export STRIPE_API_BASE="http://$FAKE_STRIPE_ADDR"
  FAKE_STRIPE_WEBHOOK_URL="http://$LEPTOS_SITE_ADDR/webhooks/stripe" "$CARGO_TARGET_DIR/debug/fake-stripe" &
  stripe_pid=$!
fi

smtp_pid=""
if $fake_smtp; then
  step "No SMTP_URL: starting the SMTP sink (mail is kept in its inbox, never delivered)"
  export FAKE_SMTP_ADDR="${FAKE_SMTP_ADDR:-127.0.0.1:2525}" FAKE_SMTP_WEB_ADDR="${FAKE_SMTP_WEB_ADDR:-127.0.0.1:2580}"
  "$CARGO_TARGET_DIR/debug/fake-smtp" &
  smtp_pid=$!
  export SMTP_URL="smtp://$FAKE_SMTP_ADDR"
fi

oidc_pid="" dns_pid=""
if $fake_oidc; then
  step "No identity provider configured: starting a local OpenID Connect provider"
  export FAKE_OIDC_ADDR="${FAKE_OIDC_ADDR:-127.0.0.1:2590}"
  "$CARGO_TARGET_DIR/debug/fake-oidc" &
  oidc_pid=$!
  export OIDC_ISSUER="http://$FAKE_OIDC_ADDR" OIDC_CLIENT_ID=agent-factory-local OIDC_CLIENT_SECRET=local-oidc-secret OIDC_LABEL="Fake OIDC"
  # A team may name it as its own provider too (team single sign-on), and prove its
  # domains against a local name server whose records you publish with curl.
  export OUTBOUND_ALLOWLIST="${OUTBOUND_ALLOWLIST:+$OUTBOUND_ALLOWLIST,}$FAKE_OIDC_ADDR"
  if [ -z "${DNS_RESOLVER:-}" ]; then
    export FAKE_DNS_ADDR="${FAKE_DNS_ADDR:-127.0.0.1:2553}" FAKE_DNS_API_ADDR="${FAKE_DNS_API_ADDR:-127.0.0.1:2554}"
    "$CARGO_TARGET_DIR/debug/fake-dns" &
    dns_pid=$!
    export DNS_RESOLVER="$FAKE_DNS_ADDR"
  fi
fi

# A local API key for the demo team, kept across runs; the seed stores only its hash.
mkdir -p .data
if [ ! -s .data/demo-api-key ]; then
  printf 'agf_%s' "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')" >.data/demo-api-key
fi
export DEMO_API_KEY="$(cat .data/demo-api-key)"

step "Starting the server"
"$CARGO_TARGET_DIR/debug/server" &
server_pid=$!
trap 'kill -TERM "$server_pid" $fake_pid $stripe_pid $smtp_pid $oidc_pid $dns_pid 2>/dev/null; wait "$server_pid"; exit 0' INT TERM
until curl -sf "http://$LEPTOS_SITE_ADDR/health" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" || true
    die "the server stopped during start-up (see its log above)"
  fi
  sleep 0.2
done

models="your configured providers"
[ -z "$fake_pid" ] || models="the built-in demo model (no provider configured)"
mail="$SMTP_URL"
[ -z "$smtp_pid" ] || mail="the built-in SMTP sink: read what the app sends at http://$FAKE_SMTP_WEB_ADDR"
[ -n "${SMTP_URL:-}" ] || mail="off (set SMTP_URL to send password resets)"
sso="${OIDC_ISSUER:-}${GOOGLE_CLIENT_ID:+ Google}"
[ -z "$oidc_pid" ] || sso="a local OpenID Connect provider at $OIDC_ISSUER (\"Continue with Fake OIDC\" on the sign-in page)"
dns_note=""
[ -z "$dns_pid" ] || dns_note="
  Team SSO domains are checked against a local name server: publish a domain's record with
    curl -X PUT http://$FAKE_DNS_API_ADDR/records/_agent-factory.example.com -d 'agent-factory-verification=…'"
payments="Stripe"
[ -z "$stripe_pid" ] || payments="the built-in fake Stripe at $STRIPE_API_BASE (test mode, no real charges)"
cat <<BANNER

  ${BOLD}Agent Factory is running at http://$LEPTOS_SITE_ADDR${RESET}
  Demo login: demo@agentfactory.dev / demo-password
  Demo API key (also in .data/demo-api-key): $DEMO_API_KEY
    curl -H "Authorization: Bearer $DEMO_API_KEY" http://$LEPTOS_SITE_ADDR/v1/agents
  Models: $models
  Payments: $payments
  Email: $mail
  Single sign-on: ${sso:-off (set OIDC_ISSUER or GOOGLE_CLIENT_ID)}$dns_note
  Try the engine from a terminal: $CARGO_TARGET_DIR/debug/server run app/src/spec/examples/market_research.yaml query="EV chargers in Spain"
  Press Ctrl-C to stop.

BANNER
wait "$server_pid"
