-- The dashboard's second roll-up: how runs ended, per team and day. With `usage_daily`
-- (runs, tokens and cost per agent, key, provider and model) it answers every figure on
-- the dashboard without scanning `runs`; both are written in the transaction that ends
-- a run (runs::store::finish).

-- Run latencies are kept as counts per logarithmic bucket (each 1.2× wider than the
-- last), so percentiles over any range are a sum of a few arrays, within 10 %.
-- Bucket b holds durations in (1.2^(b-1), 1.2^b] milliseconds; 100 is about 23 hours.
CREATE FUNCTION latency_bucket(ms double precision) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN least(100, greatest(0, ceil(ln(greatest(ms, 1)) / ln(1.2))))::smallint;

-- Runs ended per team, day, status and failure reason.
CREATE TABLE run_outcomes_daily (
    team_id        uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    day            date NOT NULL,
    status         run_status NOT NULL,
    -- The failure reason ('' for a success).
    reason         text NOT NULL DEFAULT '',
    runs           bigint NOT NULL DEFAULT 0,
    latency_ms_sum bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, day, status, reason)
);

-- Run latencies per team and day: counts[b + 1] runs fell in bucket b. One row a day,
-- so a 90-day percentile reads 90 rows.
CREATE TABLE run_latency_daily (
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    day     date NOT NULL,
    counts  bigint[] NOT NULL CHECK (cardinality(counts) = 101),
    PRIMARY KEY (team_id, day)
);

ALTER TABLE run_outcomes_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON run_outcomes_daily
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
ALTER TABLE run_latency_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON run_latency_daily
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Runs that ended before these roll-ups existed.
CREATE TEMP VIEW ended AS
SELECT team_id, (finished_at AT TIME ZONE 'utc')::date AS day, status, coalesce(failure_reason, '') AS reason,
       extract(epoch FROM finished_at - coalesce(started_at, created_at)) * 1000 AS ms
  FROM runs WHERE finished_at IS NOT NULL AND status IN ('succeeded', 'failed', 'cancelled');

INSERT INTO run_outcomes_daily (team_id, day, status, reason, runs, latency_ms_sum)
SELECT team_id, day, status, reason, count(*), sum(ms::bigint) FROM ended GROUP BY 1, 2, 3, 4;

INSERT INTO run_latency_daily (team_id, day, counts)
SELECT d.team_id, d.day, array_agg(coalesce(c.runs, 0) ORDER BY b.bucket)
  FROM (SELECT DISTINCT team_id, day FROM ended) d
 CROSS JOIN generate_series(0, 100) AS b (bucket)
  LEFT JOIN (SELECT team_id, day, latency_bucket(ms) AS bucket, count(*) AS runs FROM ended GROUP BY 1, 2, 3) c
    ON c.team_id = d.team_id AND c.day = d.day AND c.bucket = b.bucket
 GROUP BY d.team_id, d.day;

DROP VIEW ended;
