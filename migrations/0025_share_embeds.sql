-- Embedding a share link's chat on a team's own site: the sites allowed to frame it
-- (CSP frame-ancestors, CORS for the widget), whether only the site's signed-in users
-- may chat, and the per-agent secret the site signs those users' tokens with (HS256),
-- sealed like every team secret.
ALTER TABLE agent_shares
    ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(allowed_origins) <= 20),
    ADD COLUMN signed_users_only boolean NOT NULL DEFAULT false,
    ADD COLUMN embed_secret_ciphertext bytea,
    ADD COLUMN embed_secret_nonce bytea,
    ADD CONSTRAINT agent_shares_embed_secret_whole
        CHECK ((embed_secret_ciphertext IS NULL) = (embed_secret_nonce IS NULL));

-- A signed end user: the id and name the embedding site gave them. Their conversations
-- are found on any device (`visitor` is then derived from the id), and their usage is
-- shown per person.
ALTER TABLE conversations
    ADD COLUMN end_user text CHECK (end_user IS NULL OR length(end_user) BETWEEN 1 AND 200),
    ADD COLUMN end_user_name text CHECK (end_user_name IS NULL OR length(end_user_name) <= 200),
    ADD CONSTRAINT conversations_end_user_is_a_visitor CHECK (end_user IS NULL OR visitor IS NOT NULL);
CREATE INDEX conversations_end_user_idx ON conversations (team_id, end_user) WHERE end_user IS NOT NULL;

-- A visit to a link, with what the visit needs before anyone knows whose it is.
DROP FUNCTION agent_share_by_hash(bytea);
CREATE FUNCTION agent_share_by_hash(hash bytea)
RETURNS TABLE (agent_id uuid, team_id uuid, enabled boolean, allowed_origins text[],
               signed_users_only boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT s.agent_id, s.team_id, s.enabled, s.allowed_origins, s.signed_users_only
      FROM agent_shares s JOIN agents a ON a.id = s.agent_id
     WHERE s.token_hash = hash AND a.archived_at IS NULL
$$;
REVOKE ALL ON FUNCTION agent_share_by_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agent_share_by_hash(bytea) TO agf_app;

-- The embed secrets are re-sealed after a key rotation like every other secret.
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
      LIMIT max_rows)
    UNION ALL
    (SELECT 'agent_embed_secrets', a.team_id, a.id FROM agent_shares a
      WHERE a.embed_secret_nonce IS NOT NULL
        AND (length(a.embed_secret_nonce) <> 16 OR substring(a.embed_secret_nonce FROM 1 FOR 4) <> current_key)
      LIMIT max_rows);
$$;
