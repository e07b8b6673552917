#!/usr/bin/env bash
# A migration that has landed is never edited: a deployed database has recorded its
# checksum and would refuse to start. migrations/landed.sha256 records every committed
# migration's SHA-256; this check fails when
#   - a migration differs from its recorded checksum (it was edited),
#   - a migration is missing from the ledger (record it in the commit that adds it), or
#   - a commit ever changed or removed a line of the ledger (it only grows).
# A mistake in a committed migration is fixed by the next migration, never in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ledger=migrations/landed.sha256
status=0
fail() { echo "✗ $*" >&2; status=1; }

[ -f "$ledger" ] || { fail "$ledger is missing"; exit 1; }

while read -r sum file; do
  [ -n "$file" ] || continue
  if [ ! -f "migrations/$file" ]; then
    fail "migrations/$file is in the ledger but was deleted"
  elif [ "$(sha256sum "migrations/$file" | cut -d' ' -f1)" != "$sum" ]; then
    fail "migrations/$file was edited after it was committed; put the change in a new migration"
  fi
done <"$ledger"

for path in migrations/*.sql; do
  file="${path#migrations/}"
  grep -q "  $file\$" "$ledger" ||
    fail "$path is not in $ledger; add it: (cd migrations && sha256sum $file >> landed.sha256)"
done

# The ledger's own history: lines are only ever added. (A shallow clone has no history
# to read; the checksums above still hold.)
if git rev-parse --is-shallow-repository 2>/dev/null | grep -q false; then
  for commit in $(git log --format=%H -- "$ledger"); do
    if git diff "$commit^" "$commit" -- "$ledger" 2>/dev/null | grep -q '^-[^-]'; then
      fail "commit $(git log -1 --format='%h %s' "$commit") changed a line of $ledger"
    fi
  done
fi

[ $status -eq 0 ] && echo "  ✓ $(grep -c . "$ledger") migrations, none edited since committed"
exit $status
