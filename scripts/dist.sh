#!/usr/bin/env bash
# `make dist`: the release bundle an operator deploys — the server binary, the built site,
# the migrations, an example environment file and systemd units — as
# dist/agent-factory-VERSION-ARCH-linux.tar.gz with its SHA-256 beside it (DIST_DIR
# puts them elsewhere). Prints the tarball's path last.
#   scripts/dist.sh            builds for release first
#   scripts/dist.sh --debug    packs the debug build as it is (the tests' bundle)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

profile=release
[ "${1:-}" != --debug ] || profile=debug
if [ "$profile" = release ]; then
  source scripts/toolchain.sh
  setup_toolchain
  step "Building the app (release)"
  release_build || die "build failed"
fi

binary="$CARGO_TARGET_DIR/$profile/server"
[ -x "$binary" ] || die "no $profile build of the server at $binary"
[ -f target/site/pkg/agent-factory.js ] || die "no built site in target/site (cargo leptos build)"

version="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
name="agent-factory-$version-$(uname -m)-linux"
[ "$profile" = release ] || name="$name-debug"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage/bin" "$stage/site" "$stage/migrations"
cp "$binary" "$stage/bin/agent-factory"
cp -R target/site/. "$stage/site/"
node scripts/precompress.mjs "$stage/site/pkg" || die "could not precompress the client"
cp migrations/*.sql "$stage/migrations/"
cp deploy/bundle/README.md deploy/bundle/agent-factory.env deploy/bundle/worker.env \
  deploy/bundle/agent-factory@.service deploy/bundle/agent-factory-migrate.service "$stage/"

out="${DIST_DIR:-$ROOT/dist}"
mkdir -p "$out"
tar -C "$work" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
ok "$out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1))"
echo "$out/$name.tar.gz"
