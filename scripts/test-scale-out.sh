#!/usr/bin/env bash
# The scale-out test (end2end/scale/scale-out.mjs): 2 web + 2 worker processes of the test
# build behind HAProxy, against one PostgreSQL and Redis. This prepares what it needs — a
# database migrated and seeded, the demo team on the enterprise plan (200 runs exceed the
# free quota), the fake model — and prints the test's figures. Needs the test build (cargo
# leptos build) and the services from services.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

apt_install haproxy
db="agf_test_scale_$$"
new_key() { printf 'agf_%s' "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"; }
key="$(new_key)"
limited_key="$(new_key)"
server="$CARGO_TARGET_DIR/debug/server"
fake=""
cleanup() {
  [ -z "$fake" ] || kill "$fake" 2>/dev/null || true
  psql "$DATABASE_OWNER_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql "$DATABASE_OWNER_URL" -qc "CREATE DATABASE $db" >/dev/null || die "could not create the database"
owner_url="${DATABASE_OWNER_URL%/*}/$db"
DATABASE_OWNER_URL="$owner_url" DATABASE_URL="${DATABASE_URL%/*}/$db" DEMO_API_KEY="$key" \
  SEED_MARKETPLACE=false RUST_LOG=warn "$server" migrate || die "migrate failed"
psql "$owner_url" -qc "UPDATE teams SET plan = 'enterprise'" >/dev/null
# A second team, on the pro plan, whose limit the test reaches through both instances;
# its key's creator is a member (a key outlives no creator).
psql "$owner_url" -qc "WITH team AS (INSERT INTO teams (name, plan) VALUES ('Rate-limited team', 'pro') RETURNING id),
  person AS (INSERT INTO users (email, password_hash, display_name)
             VALUES ('limited-$db@example.com', 'not a password hash', 'Rate-limited') RETURNING id),
  member AS (INSERT INTO team_members (team_id, user_id, role) SELECT team.id, person.id, 'owner' FROM team, person)
  INSERT INTO api_keys (team_id, name, prefix, key_hash, scopes, created_by)
  SELECT team.id, 'limit check', left('$limited_key', 12), sha256(convert_to('$limited_key', 'UTF8')), '{read}', person.id
    FROM team, person" >/dev/null ||
  die "could not create the rate-limited team's key"

# Runs take about a second each (40 ms a word), so the kill lands among running ones.
FAKE_LLM_ADDR=127.0.0.1:3903 FAKE_LLM_TOKEN_DELAY_MS=40 "$CARGO_TARGET_DIR/debug/fake-llm" >/dev/null 2>&1 &
fake=$!

SCALE_SERVER_BIN="$server" SCALE_API_KEY="$key" SCALE_LIMITED_KEY="$limited_key" \
  SCALE_DATABASE_URL="${DATABASE_URL%/*}/$db" SCALE_OWNER_DATABASE_URL="$owner_url" \
  SCALE_REDIS_PREFIX="agf-test:$db:" SCALE_SITE_ROOT="$ROOT/target/site" \
  SCALE_LLM_URL=http://127.0.0.1:3903 SCALE_HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)" \
  node end2end/scale/scale-out.mjs
