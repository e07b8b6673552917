# Finds or starts PostgreSQL and Redis, and creates the database and its two roles
# (sourced). Honours DATABASE_URL / REDIS_URL when they are set.
#
# After it: DATABASE_URL (application role), DATABASE_OWNER_URL (owner role, runs
# migrations and creates test databases) and REDIS_URL are exported.

PG_HOST=127.0.0.1
PG_PORT=5432
DB_NAME="${AGF_DB_NAME:-agent_factory}"
DATA_DIR="$ROOT/.data"

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }

# Starts a project-local cluster under .data/postgres (PostgreSQL will not run as root,
# so it runs as the `postgres` system user when we are root).
start_local_postgres() {
  apt_install postgresql
  local bindir as_pg=()
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  local pgdata="$DATA_DIR/postgres"
  mkdir -p "$pgdata"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$pgdata"
    as_pg=(runuser -u postgres --)
  fi
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    step "Creating a local PostgreSQL cluster in .data/postgres"
    "${as_pg[@]}" "$bindir/initdb" -D "$pgdata" -U postgres --auth=trust >/dev/null \
      || die "initdb failed"
  fi
  step "Starting PostgreSQL from .data/postgres"
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
    -o "-h $PG_HOST -p $PG_PORT -k $pgdata" start >/dev/null \
    || die "PostgreSQL did not start; see .data/postgres/server.log"
}

ensure_postgres() {
  command -v psql >/dev/null || apt_install postgresql-client
  if [ -n "${DATABASE_URL:-}" ]; then
    ok "PostgreSQL from DATABASE_URL (roles and database are yours to manage)"
    export DATABASE_OWNER_URL="${DATABASE_OWNER_URL:-none}"
    return
  fi
  if ! pg_ready; then
    # A system cluster that is installed but stopped: start it where we may.
    if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] && [ "$(id -u)" -eq 0 ]; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >/dev/null 2>&1 || true
    fi
    pg_ready || start_local_postgres
  fi
  pg_ready || die "PostgreSQL is not answering on $PG_HOST:$PG_PORT"

  local superuser="${PG_SUPERUSER_URL:-postgres://postgres@$PG_HOST:$PG_PORT/postgres}"
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
  if [ "$(psql "$superuser" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    psql "$superuser" -qc "CREATE DATABASE $DB_NAME OWNER agf_owner" >/dev/null \
      || die "could not create database $DB_NAME"
  fi
  export DATABASE_URL="postgres://agf_app:agf_app@$PG_HOST:$PG_PORT/$DB_NAME"
  export DATABASE_OWNER_URL="postgres://agf_owner:agf_owner@$PG_HOST:$PG_PORT/$DB_NAME"
  ok "PostgreSQL on $PG_HOST:$PG_PORT, database $DB_NAME"
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
