-- Durable runs: the runs table is the queue. A run is committed (status 'queued')
-- before anything else happens; workers claim it with FOR UPDATE SKIP LOCKED and hold
-- a lease they renew; a run whose lease lapsed (its worker died) is claimed again and
-- continues from its recorded steps.

ALTER TABLE runs
    ADD COLUMN lease_owner         text,
    ADD COLUMN lease_expires_at    timestamptz,
    ADD COLUMN attempts            integer NOT NULL DEFAULT 0,
    ADD COLUMN cancel_requested_at timestamptz;

-- Only unfinished runs are ever scanned by workers.
CREATE INDEX runs_claimable_idx ON runs (created_at) WHERE status IN ('queued', 'running');

ALTER TABLE run_steps
    ADD COLUMN parent_seq integer,
    ADD COLUMN node       text;

-- Wake workers as soon as a run is committed (delivered at commit, never before).
CREATE FUNCTION notify_run_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('runs_queued', NEW.id::text);
    RETURN NEW;
END $$;
CREATE TRIGGER runs_queued AFTER INSERT ON runs FOR EACH ROW EXECUTE FUNCTION notify_run_queued();

-- Workers serve every team, so claiming is a narrow definer function: it hands out the
-- oldest claimable run and its team; everything after runs as that team under RLS.
CREATE FUNCTION claim_run(worker text, lease_seconds integer)
RETURNS TABLE (id uuid, team_id uuid, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    UPDATE runs r
       SET status = 'running',
           lease_owner = worker,
           lease_expires_at = now() + make_interval(secs => lease_seconds),
           attempts = r.attempts + 1,
           started_at = coalesce(r.started_at, now())
     WHERE r.id = (
        SELECT q.id FROM runs q
         WHERE q.status = 'queued' OR (q.status = 'running' AND q.lease_expires_at < now())
         ORDER BY q.created_at
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
    RETURNING r.id, r.team_id, r.attempts
$$;
REVOKE ALL ON FUNCTION claim_run(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_run(text, integer) TO agf_app;

-- Named secrets a team's custom tools reference (`{ secret: CRM_TOKEN }`), encrypted
-- like provider keys.
CREATE TABLE team_secrets (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (name ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    ciphertext bytea NOT NULL,
    nonce      bytea NOT NULL,
    last_four  text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, name)
);
ALTER TABLE team_secrets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON team_secrets
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Spec versions are immutable: a save inserts a new version, nothing rewrites one.
REVOKE UPDATE ON agent_versions FROM agf_app;
