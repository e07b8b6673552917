-- The public API: key look-up with what a request needs to be authorised and limited,
-- per-key gateway budgets, monthly quota counters, idempotent POSTs, and the webhook
-- outbox's claim function.

-- A key acts for the member who made it, with no more than that member's current role:
-- a key stops working when its creator leaves the team. The plan comes along because
-- every request is rate-limited by it.
-- What a key may spend through the gateway in a calendar month (UTC); NULL is no cap.
ALTER TABLE api_keys
    ADD COLUMN budget_micro_usd bigint CHECK (budget_micro_usd IS NULL OR budget_micro_usd >= 0);

DROP FUNCTION api_key_by_hash(bytea);
CREATE FUNCTION api_key_by_hash(hash bytea)
RETURNS TABLE (id uuid, team_id uuid, scopes text[], expires_at timestamptz, revoked_at timestamptz,
               created_by uuid, creator_role team_role, plan plan_tier, budget_micro_usd bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT k.id, k.team_id, k.scopes, k.expires_at, k.revoked_at, k.created_by, m.role, t.plan,
           k.budget_micro_usd
      FROM api_keys k
      JOIN teams t ON t.id = k.team_id
      LEFT JOIN team_members m ON m.team_id = k.team_id AND m.user_id = k.created_by
     WHERE k.key_hash = hash
$$;
REVOKE ALL ON FUNCTION api_key_by_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_by_hash(bytea) TO agf_app;

-- Gateway calls are counted beside runs in the daily roll-up.
ALTER TABLE usage_daily ADD COLUMN gateway_requests bigint NOT NULL DEFAULT 0;

-- Monthly quota counters. A run start increments `runs` only while it is under the
-- plan's limit, in one statement, so concurrent starts cannot overshoot.
CREATE TABLE usage_periods (
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    period_start date NOT NULL,
    runs         bigint NOT NULL DEFAULT 0,
    tokens       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, period_start)
);
ALTER TABLE usage_periods ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_periods
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- `Idempotency-Key` on POST: the first request's response, replayed to its retries.
-- `status_code` is NULL while the first request is still being answered.
CREATE TABLE idempotency_keys (
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint  bytea NOT NULL,
    status_code  integer,
    content_type text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Webhooks: a delivery keeps its id across attempts (the receiver de-duplicates on it).
ALTER TABLE webhook_deliveries
    ADD COLUMN last_attempt_at timestamptz;
ALTER TABLE webhooks
    ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 200);

-- The dispatcher serves every team: it claims due deliveries here (holding each for
-- `lease_seconds`, so a crashed sender's claim lapses) and sends each as its team.
CREATE FUNCTION claim_webhook_deliveries(max_rows integer, lease_seconds integer)
RETURNS TABLE (id uuid, team_id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    UPDATE webhook_deliveries d
       SET next_attempt_at = now() + make_interval(secs => lease_seconds)
     WHERE d.id IN (
        SELECT q.id FROM webhook_deliveries q
         WHERE q.status = 'pending' AND q.next_attempt_at <= now()
         ORDER BY q.next_attempt_at
         FOR UPDATE SKIP LOCKED
         LIMIT max_rows)
    RETURNING d.id, d.team_id
$$;
REVOKE ALL ON FUNCTION claim_webhook_deliveries(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_webhook_deliveries(integer, integer) TO agf_app;

-- Old idempotency records go after a day (the documented replay window).
CREATE FUNCTION purge_idempotency_keys() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE purged integer;
BEGIN
    DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours';
    GET DIAGNOSTICS purged = ROW_COUNT;
    RETURN purged;
END $$;
REVOKE ALL ON FUNCTION purge_idempotency_keys() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_idempotency_keys() TO agf_app;
