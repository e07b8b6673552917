-- Sign-in through identity providers (Google, any OpenID Connect provider): an identity
-- is a provider's subject at its issuer, linked to one account. People, like users, are
-- not tenant-owned.
CREATE TABLE user_identities (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The configured provider's id (`google`, `oidc`), for its label.
    provider     text NOT NULL CHECK (length(provider) BETWEEN 1 AND 32),
    issuer       text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 512),
    subject      text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    -- The address the provider gave when it was linked (shown, never trusted).
    email        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);
