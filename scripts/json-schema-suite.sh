#!/usr/bin/env bash
# Fetches the official JSON-Schema-Test-Suite for app/src/spec/json_schema/official_suite.rs.
# No registry ships the suite on its own; python-jsonschema's source distribution on PyPI
# carries it in `json/`, so a pinned release is downloaded (checked by its hash, never
# built or installed) and that folder unpacked into the cache. Prints the folder.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VERSION=4.26.0
SHA256=0c26707e2efad8aa1bfc5b7ce170f3fccc2e4918ff85989ba9ffa9facb2be326
SUITE="$AGF_CACHE_DIR/json-schema-test-suite"

if [ ! -f "$SUITE/.from-jsonschema-$VERSION" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
    -d "$work" "jsonschema==$VERSION" >&2 || die "could not download jsonschema $VERSION from PyPI"
  echo "$SHA256  $work/jsonschema-$VERSION.tar.gz" | sha256sum -c --quiet >&2 ||
    die "jsonschema-$VERSION.tar.gz does not have the expected hash"
  tar -xzf "$work/jsonschema-$VERSION.tar.gz" -C "$work" "jsonschema-$VERSION/json"
  rm -rf "$SUITE"
  mv "$work/jsonschema-$VERSION/json" "$SUITE"
  touch "$SUITE/.from-jsonschema-$VERSION"
fi
echo "$SUITE"
