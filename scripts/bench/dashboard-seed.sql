-- The dashboard's benchmark data set: 1,000,000 finished runs over the last 90 days
-- across 100 teams (the demo team the largest, about a fifth of them), five agents per
-- team, five provider/models and five failure reasons, with the roll-ups computed from
-- the runs exactly as the run's end writes them. Run as the owner role on a database
-- of its own (scripts/bench-dashboard.sh); a second run changes nothing.
\set ON_ERROR_STOP on
BEGIN;

SELECT NOT EXISTS (SELECT 1 FROM teams WHERE name = 'Bench team 99') AS fresh \gset
\if :fresh

CREATE TEMP TABLE bench_teams (n integer PRIMARY KEY, id uuid NOT NULL) ON COMMIT DROP;
INSERT INTO bench_teams
SELECT 0, m.team_id FROM team_members m JOIN users u ON u.id = m.user_id
 WHERE u.email = 'demo@agentfactory.dev' AND m.role = 'owner' LIMIT 1;
WITH created AS (
    INSERT INTO teams (name, created_by)
    SELECT 'Bench team ' || g, (SELECT id FROM users WHERE email = 'demo@agentfactory.dev')
      FROM generate_series(1, 99) g
    RETURNING id, name
)
INSERT INTO bench_teams SELECT substr(name, 12)::integer, id FROM created;
-- Big teams pay for big quotas.
UPDATE teams SET plan = 'enterprise' WHERE id IN (SELECT id FROM bench_teams);

CREATE TEMP TABLE bench_agents (team integer, n integer, id uuid, PRIMARY KEY (team, n)) ON COMMIT DROP;
WITH created AS (
    INSERT INTO agents (team_id, name, kind)
    SELECT t.id, 'Bench agent ' || t.n || '-' || a, 'agent'
      FROM bench_teams t, generate_series(1, 5) a
    RETURNING id, team_id, name
)
INSERT INTO bench_agents
SELECT t.n, split_part(c.name, '-', 2)::integer, c.id FROM created c JOIN bench_teams t ON t.id = c.team_id;

-- Team n's share falls off steeply (n = 100·u³), as real tenants' sizes do.
CREATE TEMP TABLE bench_runs ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, t.id AS team_id, a.id AS agent_id, r.finished_at, r.ms,
       r.prompt_tokens, r.completion_tokens,
       CASE WHEN r.fate < 0.90 THEN 'succeeded' WHEN r.fate < 0.97 THEN 'failed' ELSE 'cancelled' END::run_status AS status,
       CASE WHEN r.fate < 0.90 THEN NULL WHEN r.fate < 0.97
            THEN (ARRAY['provider_error', 'budget_exceeded', 'max_steps', 'invariant_violated', 'timeout'])[r.reason]
            ELSE 'cancelled' END AS failure_reason,
       (ARRAY['openai', 'openai', 'anthropic', 'groq', 'openrouter'])[r.model] AS provider,
       (ARRAY['gpt-4o-mini', 'gpt-4o', 'claude-3-5-haiku', 'llama-3.1-8b-instant', 'mixtral-8x7b'])[r.model] AS model_name,
       -- Micro-dollars per thousand tokens, by model.
       (r.prompt_tokens + r.completion_tokens) * (ARRAY[150, 2500, 800, 60, 240])[r.model] / 1000 AS cost
  FROM (
    SELECT least(99, floor(100 * power(random(), 3)))::integer AS team,
           1 + floor(random() * 5)::integer AS agent,
           now() - random() * interval '90 days' AS finished_at,
           -- Log-normal durations around 0.8 s.
           greatest(5, exp(ln(800) + 0.9 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::integer AS ms,
           random() AS fate,
           1 + floor(random() * 5)::integer AS reason,
           1 + floor(random() * 5)::integer AS model,
           200 + floor(random() * 1800)::bigint AS prompt_tokens,
           50 + floor(random() * 750)::bigint AS completion_tokens
      FROM generate_series(1, 1000000)
  ) r
  JOIN bench_teams t ON t.n = r.team
  JOIN bench_agents a ON a.team = r.team AND a.n = r.agent;

INSERT INTO runs (id, team_id, agent_id, agent_version, status, failure_reason, prompt_tokens, completion_tokens,
                  cost_micro_usd, created_at, started_at, finished_at)
SELECT id, team_id, agent_id, 1, status, failure_reason, prompt_tokens, completion_tokens, cost,
       finished_at - make_interval(secs => ms::float8 / 1000), finished_at - make_interval(secs => ms::float8 / 1000), finished_at
  FROM bench_runs;

INSERT INTO usage_daily (team_id, day, agent_id, api_key_id, provider, model, runs, failures,
                         prompt_tokens, completion_tokens, cost_micro_usd, latency_ms_sum)
SELECT team_id, (finished_at AT TIME ZONE 'utc')::date, agent_id, NULL, provider, model_name, count(*),
       count(*) FILTER (WHERE status = 'failed'), sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(ms)
  FROM bench_runs GROUP BY 1, 2, 3, 5, 6;

INSERT INTO run_outcomes_daily (team_id, day, status, reason, runs, latency_ms_sum)
SELECT team_id, (finished_at AT TIME ZONE 'utc')::date, status, coalesce(failure_reason, ''), count(*), sum(ms)
  FROM bench_runs GROUP BY 1, 2, 3, 4;

INSERT INTO run_latency_daily (team_id, day, counts)
SELECT d.team_id, d.day, array_agg(coalesce(c.runs, 0) ORDER BY b.bucket)
  FROM (SELECT DISTINCT team_id, (finished_at AT TIME ZONE 'utc')::date AS day FROM bench_runs) d
 CROSS JOIN generate_series(0, 100) AS b (bucket)
  LEFT JOIN (SELECT team_id, (finished_at AT TIME ZONE 'utc')::date AS day, latency_bucket(ms) AS bucket, count(*) AS runs
               FROM bench_runs GROUP BY 1, 2, 3) c
    ON c.team_id = d.team_id AND c.day = d.day AND c.bucket = b.bucket
 GROUP BY d.team_id, d.day;

INSERT INTO usage_periods (team_id, period_start, runs, tokens)
SELECT team_id, date_trunc('month', now() AT TIME ZONE 'utc')::date, count(*), sum(prompt_tokens + completion_tokens)
  FROM bench_runs WHERE finished_at >= date_trunc('month', now() AT TIME ZONE 'utc') AT TIME ZONE 'utc'
 GROUP BY 1
ON CONFLICT (team_id, period_start) DO UPDATE SET runs = EXCLUDED.runs, tokens = EXCLUDED.tokens;

\endif
COMMIT;
VACUUM ANALYZE runs, agents, teams, usage_daily, run_outcomes_daily, run_latency_daily, usage_periods;

SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM teams) AS teams,
       (SELECT count(*) FROM runs GROUP BY team_id ORDER BY 1 DESC LIMIT 1) AS largest_team_runs;
