-- What a server compares with its own migrations before it serves or runs anything
-- (`/ready`, and workers before they claim runs): the newest migration applied, and the
-- oldest migration version a release may have been built with and still work against
-- this schema. Migrations keep older releases working (add, backfill, then drop in a
-- later release); one that cannot raises `oldest_supported_version` to its own version,
-- so the older release's servers report not ready instead of failing on requests.
CREATE TABLE schema_compatibility (
    only_row                 boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    oldest_supported_version bigint NOT NULL
);
INSERT INTO schema_compatibility (oldest_supported_version) VALUES (1);

-- The application role cannot read sqlx's ledger; this narrow function tells it the two
-- numbers and nothing else.
CREATE FUNCTION schema_state(OUT applied bigint, OUT oldest_supported bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT (SELECT max(version) FROM _sqlx_migrations WHERE success),
           (SELECT oldest_supported_version FROM schema_compatibility)
$$;
REVOKE ALL ON FUNCTION schema_state() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION schema_state() TO agf_app;

-- The run queue as the operator's metrics see it (workers are scaled on it): how many
-- runs wait for a worker — queued, or running under a lapsed lease — and how long the
-- oldest has waited. Counts only, across teams; nothing about any run.
CREATE FUNCTION run_queue_state(OUT waiting bigint, OUT oldest_wait_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT count(*),
           coalesce(extract(epoch FROM now() - min(created_at)), 0)::double precision
      FROM runs
     WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < now())
$$;
REVOKE ALL ON FUNCTION run_queue_state() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION run_queue_state() TO agf_app;
