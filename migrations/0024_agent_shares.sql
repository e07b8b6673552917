-- Public share links: anyone with an agent's link (`/c/<token>`) may chat with it
-- without signing in, within the limits its team sets. The token is a bearer secret:
-- looked up by its SHA-256, and kept sealed with the team's key (like every secret,
-- re-sealed after a key rotation) so admins can see the link again.
CREATE TABLE agent_shares (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id               uuid NOT NULL UNIQUE REFERENCES agents (id) ON DELETE CASCADE,
    team_id                uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    token_hash             bytea NOT NULL UNIQUE,
    token_ciphertext       bytea NOT NULL,
    token_nonce            bytea NOT NULL,
    enabled                boolean NOT NULL DEFAULT true,
    -- What the link's conversations may spend in a UTC day, their turns together.
    daily_budget_micro_usd bigint NOT NULL DEFAULT 1000000 CHECK (daily_budget_micro_usd >= 0),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE agent_shares ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_shares USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Conversations held by someone without an account: the SHA-256 (hex) of a share
-- link visitor's cookie. Such a person sees only their own.
ALTER TABLE conversations ADD COLUMN visitor text CHECK (visitor IS NULL OR length(visitor) = 64);
CREATE INDEX conversations_visitor_idx ON conversations (agent_id, visitor, updated_at DESC)
    WHERE visitor IS NOT NULL;

-- A visit to a link, before anyone knows whose it is.
CREATE FUNCTION agent_share_by_hash(hash bytea)
RETURNS TABLE (agent_id uuid, team_id uuid, enabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT s.agent_id, s.team_id, s.enabled
      FROM agent_shares s JOIN agents a ON a.id = s.agent_id
     WHERE s.token_hash = hash AND a.archived_at IS NULL
$$;
REVOKE ALL ON FUNCTION agent_share_by_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agent_share_by_hash(bytea) TO agf_app;

-- The share links' tokens are re-sealed after a key rotation like every other secret.
CREATE OR REPLACE FUNCTION sealed_under_other_keys(current_key bytea, max_rows integer)
RETURNS TABLE (vault text, team_id uuid, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    (SELECT 'provider_keys', p.team_id, p.id FROM provider_keys p
      WHERE length(p.nonce) <> 16 OR substring(p.nonce FROM 1 FOR 4) <> current_key
      LIMIT max_rows)
    UNION ALL
    (SELECT 'team_secrets', s.team_id, s.id FROM team_secrets s
      WHERE length(s.nonce) <> 16 OR substring(s.nonce FROM 1 FOR 4) <> current_key
      LIMIT max_rows)
    UNION ALL
    (SELECT 'webhooks', w.team_id, w.id FROM webhooks w
      WHERE length(w.secret_nonce) <> 16 OR substring(w.secret_nonce FROM 1 FOR 4) <> current_key
      LIMIT max_rows)
    UNION ALL
    (SELECT 'idempotency_keys', i.team_id, i.id FROM idempotency_keys i
      WHERE i.body_nonce IS NOT NULL
        AND (length(i.body_nonce) <> 16 OR substring(i.body_nonce FROM 1 FOR 4) <> current_key)
      LIMIT max_rows)
    UNION ALL
    (SELECT 'two_factor_secrets', t.user_id, t.id FROM user_two_factor t
      WHERE length(t.secret_nonce) <> 16 OR substring(t.secret_nonce FROM 1 FOR 4) <> current_key
      LIMIT max_rows)
    UNION ALL
    (SELECT 'fresh_recovery_codes', t.user_id, t.id FROM user_two_factor t
      WHERE t.fresh_codes_nonce IS NOT NULL
        AND (length(t.fresh_codes_nonce) <> 16 OR substring(t.fresh_codes_nonce FROM 1 FOR 4) <> current_key)
      LIMIT max_rows)
    UNION ALL
    (SELECT 'team_sso', s.team_id, s.id FROM team_sso s
      WHERE length(s.secret_nonce) <> 16 OR substring(s.secret_nonce FROM 1 FOR 4) <> current_key
      LIMIT max_rows)
    UNION ALL
    (SELECT 'agent_shares', a.team_id, a.id FROM agent_shares a
      WHERE length(a.token_nonce) <> 16 OR substring(a.token_nonce FROM 1 FOR 4) <> current_key
      LIMIT max_rows);
$$;
