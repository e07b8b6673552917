-- The dashboard's second roll-up: how runs ended, per team and day. With `usage_daily`
-- (runs, tokens and cost per agent, key, provider and model) it answers every figure on
-- the dashboard without scanning `runs`; both are written in the transaction that ends
-- a run (runs::store::finish).

-- Run latencies are kept as counts per logarithmic bucket (each 1.2× wider than the
-- last), so percentiles over any range are a sum of a few rows, within 10 %.
-- Bucket b holds durations in (1.2^(b-1), 1.2^b] milliseconds; 100 is about 23 hours.
CREATE FUNCTION latency_bucket(ms double precision) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN least(100, greatest(0, ceil(ln(greatest(ms, 1)) / ln(1.2))))::smallint;

CREATE TABLE run_outcomes_daily (
    team_id        uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    day            date NOT NULL,
    status         run_status NOT NULL,
    -- The failure reason ('' for a success).
    reason         text NOT NULL DEFAULT '',
    latency_bucket smallint NOT NULL,
    runs           bigint NOT NULL DEFAULT 0,
    latency_ms_sum bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, day, status, reason, latency_bucket)
);
ALTER TABLE run_outcomes_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON run_outcomes_daily
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Runs that ended before this roll-up existed.
INSERT INTO run_outcomes_daily (team_id, day, status, reason, latency_bucket, runs, latency_ms_sum)
SELECT team_id, (finished_at AT TIME ZONE 'utc')::date, status, coalesce(failure_reason, ''),
       latency_bucket(ms), count(*), sum(ms::bigint)
  FROM (SELECT *, extract(epoch FROM finished_at - coalesce(started_at, created_at)) * 1000 AS ms
          FROM runs WHERE finished_at IS NOT NULL AND status IN ('succeeded', 'failed', 'cancelled')) ended
 GROUP BY 1, 2, 3, 4, 5;
