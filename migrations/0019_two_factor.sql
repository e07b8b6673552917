-- Two-factor sign-in with time-based one-time codes (RFC 6238). A person's secret is
-- sealed like a team's secrets (AES-256-GCM, server/src/secrets.rs) with the person's id
-- as the associated data. A row without enabled_at is an enrolment waiting for its
-- first code. People, like users, are not tenant-owned.
CREATE TABLE user_two_factor (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id           uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    secret_ciphertext bytea NOT NULL,
    secret_nonce      bytea NOT NULL,
    enabled_at        timestamptz,
    -- The newest time step whose code was accepted: each code works once (RFC 6238
    -- section 5.2), so a code seen over someone's shoulder is useless afterwards.
    last_step         bigint NOT NULL DEFAULT 0,
    -- Recovery codes just made, sealed, shown until the person says they kept them
    -- (a reload or a page without JavaScript must not lose them); then cleared.
    fresh_codes       bytea,
    fresh_codes_nonce bytea,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((fresh_codes IS NULL) = (fresh_codes_nonce IS NULL))
);

-- One-time recovery codes, stored only as their SHA-256 (they are random, so a plain
-- digest is enough: nothing to guess from).
CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A team's owners may require two-factor sign-in of every member.
ALTER TABLE teams ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;

-- The re-encryption job also rewraps people's secrets. For these rows "team_id" is the
-- id the value is bound to: the person's.
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
      LIMIT max_rows);
$$;
