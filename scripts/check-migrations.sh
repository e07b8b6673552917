#!/usr/bin/env bash
# A migration that has landed is never edited: a deployed database has recorded its
# checksum and would refuse to start. The ledger records every committed migration's
# SHA-256 in two files: migrations/landed.sha256 (0001-0008, frozen: a file in
# migrations/ that changes after landing counts as an edited migration) and
# migrations.sha256 (every later one; it only grows). This check fails when
#   - a migration differs from its recorded checksum (it was edited),
#   - a migration is missing from the ledger (record it in the commit that adds it),
#   - the frozen part changed at all, or a commit changed or removed a line of the
#     growing one.
# A mistake in a committed migration is fixed by the next migration, never in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

frozen=migrations/landed.sha256
ledger=migrations.sha256
status=0
fail() { echo "✗ $*" >&2; status=1; }

for file in "$frozen" "$ledger"; do
  [ -f "$file" ] || { fail "$file is missing"; exit 1; }
done
# The frozen part, exactly as it landed.
[ "$(sha256sum "$frozen" | cut -d' ' -f1)" = 07dfa7e4e330a1ccab1dc5029261c7688a800e7dd16b453e387a6eda5934c9e8 ] ||
  fail "$frozen changed; it is frozen at migrations 0001-0008 (record new ones in $ledger)"

while read -r sum file; do
  [ -n "$file" ] || continue
  if [ ! -f "migrations/$file" ]; then
    fail "migrations/$file is in the ledger but was deleted"
  elif [ "$(sha256sum "migrations/$file" | cut -d' ' -f1)" != "$sum" ]; then
    fail "migrations/$file was edited after it was committed; put the change in a new migration"
  fi
done < <(cat "$frozen" "$ledger")

for path in migrations/*.sql; do
  file="${path#migrations/}"
  # grep reads the files itself: `cat … | grep -q` fails under pipefail whenever grep
  # stops at an early match before cat has written everything (SIGPIPE).
  grep -q "  $file\$" "$frozen" "$ledger" ||
    fail "$path is not in $ledger; add it: (cd migrations && sha256sum $file) >> $ledger"
done

# The ledger's own history: lines are only ever added. (A shallow clone has no history
# to read; the checksums above still hold.)
if git rev-parse --is-shallow-repository 2>/dev/null | grep -q false; then
  for commit in $(git log --format=%H -- "$ledger"); do
    if git diff "$commit^" "$commit" -- "$ledger" 2>/dev/null | grep '^-[^-]' >/dev/null; then
      fail "commit $(git log -1 --format='%h %s' "$commit") changed a line of $ledger"
    fi
  done
fi

[ $status -eq 0 ] && echo "  ✓ $(cat "$frozen" "$ledger" | grep -c .) migrations, none edited since committed"
exit $status
