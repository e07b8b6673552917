-- Team single sign-on (Enterprise plan). A team names its own OpenID Connect provider
-- (the client secret sealed with the team's id as associated data, like its other
-- secrets) and the email domains it owns, each proven by a DNS TXT record. People of a
-- proven domain sign in through the team's provider; "required" stops them signing in
-- any other way.
CREATE TABLE team_sso (
    -- Its own id too, so the key-rotation job rewraps it like every sealed row.
    id                uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    team_id           uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    issuer            text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 512),
    client_id         text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 255),
    secret_ciphertext bytea NOT NULL,
    secret_nonce      bytea NOT NULL,
    -- The role of people who join through it; never owner.
    default_role      team_role NOT NULL DEFAULT 'member' CHECK (default_role <> 'owner'),
    required          boolean NOT NULL DEFAULT false,
    -- The last sign-in through it. "Required" waits for one, so a provider set up
    -- wrongly cannot lock the team out.
    last_used_at      timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_domains (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    domain      text NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253),
    -- What the TXT record must say.
    token       text NOT NULL CHECK (length(token) BETWEEN 16 AND 128),
    verified_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, domain)
);
-- Once proven, a domain is one team's: sign-in is routed by it.
CREATE UNIQUE INDEX team_domains_proven_idx ON team_domains (domain) WHERE verified_at IS NOT NULL;

ALTER TABLE team_sso ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON team_sso USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
ALTER TABLE team_domains ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON team_domains USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Before anyone is signed in: the team whose single sign-on serves an email domain (a
-- proven domain of a team with a provider), and whether it is required.
CREATE FUNCTION sso_team_for_domain(by_domain text)
RETURNS TABLE (team_id uuid, team_name text, required boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.name, s.required
    FROM team_domains d
    JOIN team_sso s ON s.team_id = d.team_id
    JOIN teams t ON t.id = d.team_id
    WHERE d.domain = lower(by_domain) AND d.verified_at IS NOT NULL
$$;
REVOKE ALL ON FUNCTION sso_team_for_domain(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sso_team_for_domain(text) TO agf_app;

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
      LIMIT max_rows);
$$;
