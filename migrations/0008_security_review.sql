-- The security review's fixes: idempotency records bound to their caller and sealed,
-- refunds that arrive before their purchase completes, and an application role that
-- cannot read credentials or change platform tables.

-- ---------------------------------------------------------------- idempotency
-- A record answers only the caller (API key or signed-in user) that made it, and its
-- stored answer is sealed like every other secret (it may hold a new API key or a
-- webhook's signing secret). Records live a day; the ones written before this
-- migration belong to no caller and hold plain text, so they go.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_pkey,
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    -- `key:<api key id>` or `user:<user id>`.
    ADD COLUMN principal text NOT NULL CHECK (length(principal) BETWEEN 1 AND 64),
    -- The sealed body's key id and nonce (see server/src/secrets.rs).
    ADD COLUMN body_nonce bytea,
    ADD PRIMARY KEY (team_id, principal, key);

-- ---------------------------------------------------------------- early refunds
-- Stripe does not order its events: a charge's refund can arrive before the Checkout
-- session that paid it has completed, when no purchase knows the payment intent yet.
-- The refund waits here, keyed by the intent, until the completion takes it.
CREATE TABLE early_refunds (
    payment_intent  text PRIMARY KEY,
    -- The charge's refunded total so far (Stripe restates it on every refund event).
    amount_refunded bigint NOT NULL CHECK (amount_refunded >= 0),
    refunded        boolean NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON early_refunds FROM agf_app;

CREATE FUNCTION hold_early_refund(intent text, amount bigint, in_full boolean) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    INSERT INTO early_refunds (payment_intent, amount_refunded, refunded)
    VALUES (intent, amount, in_full)
    ON CONFLICT (payment_intent) DO UPDATE
       SET amount_refunded = GREATEST(early_refunds.amount_refunded, EXCLUDED.amount_refunded),
           refunded = early_refunds.refunded OR EXCLUDED.refunded;
$$;
REVOKE ALL ON FUNCTION hold_early_refund(text, bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hold_early_refund(text, bigint, boolean) TO agf_app;

CREATE FUNCTION take_early_refund(intent text)
RETURNS TABLE (amount_refunded bigint, refunded boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM early_refunds WHERE payment_intent = intent
    RETURNING amount_refunded, refunded;
$$;
REVOKE ALL ON FUNCTION take_early_refund(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION take_early_refund(text) TO agf_app;

-- ---------------------------------------------------------------- credentials
-- The application role reads users without their password hashes: sign-in and the
-- password check read one person's hash through these functions, so no query the
-- application makes (or an injection into one) can list them.
REVOKE SELECT ON users FROM agf_app;
GRANT SELECT (id, email, display_name, created_at, updated_at, password_changed_at,
              deleted_at, purge_after) ON users TO agf_app;

CREATE FUNCTION user_credentials_by_email(by_email text)
RETURNS TABLE (id uuid, email text, display_name text, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.email, u.display_name, u.password_hash FROM users u
     WHERE u.email = by_email AND u.deleted_at IS NULL;
$$;
REVOKE ALL ON FUNCTION user_credentials_by_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION user_credentials_by_email(text) TO agf_app;

CREATE FUNCTION user_credentials_by_id(by_id uuid)
RETURNS TABLE (id uuid, email text, display_name text, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.email, u.display_name, u.password_hash FROM users u
     WHERE u.id = by_id AND u.deleted_at IS NULL;
$$;
REVOKE ALL ON FUNCTION user_credentials_by_id(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION user_credentials_by_id(uuid) TO agf_app;

-- Stripe's events: the webhook handler records an id and its outcome, nothing more.
REVOKE ALL ON stripe_events FROM agf_app;
GRANT SELECT (id) ON stripe_events TO agf_app;
GRANT INSERT (id, type) ON stripe_events TO agf_app;
GRANT UPDATE (processed_at, outcome) ON stripe_events TO agf_app;

-- Plans are read by everyone and changed only by migrations.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON plans FROM agf_app;

-- ---------------------------------------------------------------- key rotation
-- Sealed values whose key is not the current one (see server/src/secrets.rs: a value's
-- nonce starts with its key's 4-byte id; a bare 12-byte nonce predates key ids). The
-- re-encryption job reads them here across teams, then rewrites each as its team.
CREATE FUNCTION sealed_under_other_keys(current_key bytea, max_rows integer)
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
      LIMIT max_rows);
$$;
REVOKE ALL ON FUNCTION sealed_under_other_keys(bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sealed_under_other_keys(bytea, integer) TO agf_app;
