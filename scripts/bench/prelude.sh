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
