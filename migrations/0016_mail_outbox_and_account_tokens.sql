-- Email goes out from an outbox, written in the same transaction as the action that
-- sends it and sent by the workers, retried with backoff. A row holds what the mail is
-- about, never a secret: links that carry a token (a password reset) get their token
-- when the mail is sent, so no usable token ever rests in this table.
CREATE TABLE mail_outbox (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    recipient       text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    params          jsonb NOT NULL DEFAULT '{}',
    -- pending → sent | skipped (nobody to send it to) | failed (gave up after retries)
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';

-- Single-use tokens sent by email (password reset, email verification), stored only as
-- their SHA-256. People, like users, are not tenant-owned.
CREATE TABLE account_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'verify_email')),
    -- The address the token was sent to (what a verification proves).
    email      text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id);
