-- The core data model of DESIGN.md §4, with row-level security on every tenant-owned
-- table. Later features fill in behaviour; the tables, keys and indexes are here.
--
-- Tenancy: the application sets the request's team (and user) per transaction with
-- set_config('app.team_id', …, true); policies compare against it. Money is integer:
-- micro-dollars for LLM cost, cents for prices.

CREATE FUNCTION app_team_id() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('app.team_id', true), '')::uuid $$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

-- ---------------------------------------------------------------- plans and teams
CREATE TYPE plan_tier AS ENUM ('free', 'pro', 'enterprise');

CREATE TABLE plans (
    tier                plan_tier PRIMARY KEY,
    name                text NOT NULL,
    price_cents_month   bigint NOT NULL CHECK (price_cents_month >= 0),
    requests_per_minute integer NOT NULL CHECK (requests_per_minute > 0),
    monthly_runs        integer NOT NULL CHECK (monthly_runs > 0),
    monthly_tokens      bigint NOT NULL CHECK (monthly_tokens > 0),
    stripe_price_id     text
);
INSERT INTO plans VALUES
    ('free', 'Free', 0, 10, 100, 1000000, NULL),
    ('pro', 'Pro', 4900, 100, 10000, 100000000, NULL),
    ('enterprise', 'Enterprise', 49900, 1000, 1000000, 10000000000, NULL);

ALTER TABLE teams
    ADD COLUMN plan plan_tier NOT NULL DEFAULT 'free' REFERENCES plans (tier),
    ADD COLUMN stripe_customer_id text UNIQUE,
    ADD COLUMN stripe_connect_account_id text;

ALTER TABLE users
    ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now(),
    -- Set when the account is deleted: personal data is anonymised at once and the
    -- rest purged by the scheduled job after purge_after.
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN purge_after timestamptz;

CREATE TABLE subscriptions (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id                uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    stripe_subscription_id text NOT NULL UNIQUE,
    tier                   plan_tier NOT NULL REFERENCES plans (tier),
    status                 text NOT NULL,
    current_period_end     timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_team_idx ON subscriptions (team_id);

CREATE TABLE invitations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role        team_role NOT NULL DEFAULT 'member',
    -- Only the SHA-256 of the link's token is stored.
    token_hash  bytea NOT NULL UNIQUE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_team_idx ON invitations (team_id, created_at DESC);

-- ---------------------------------------------------------------- keys
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- The first characters of the key (agf_xxxxxxxx), to recognise it in lists.
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    scopes       text[] NOT NULL DEFAULT '{read,run}',
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_team_idx ON api_keys (team_id, created_at DESC);

CREATE TABLE provider_keys (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    provider   text NOT NULL,
    -- AES-256-GCM under a key from the environment.
    ciphertext bytea NOT NULL,
    nonce      bytea NOT NULL,
    last_four  text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, provider)
);

-- ---------------------------------------------------------------- agents and runs
CREATE TABLE agents (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id         uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description     text NOT NULL DEFAULT '',
    kind            text NOT NULL CHECK (kind IN ('agent', 'workflow')),
    current_version integer NOT NULL DEFAULT 1,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz
);
CREATE INDEX agents_team_updated_idx ON agents (team_id, updated_at DESC);
CREATE INDEX agents_team_name_idx ON agents (team_id, lower(name));

-- Immutable: a save inserts a new version, nothing updates an old one.
CREATE TABLE agent_versions (
    agent_id   uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version > 0),
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    spec_yaml  text NOT NULL,
    spec       jsonb NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, version)
);

CREATE TYPE run_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

CREATE TABLE runs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    agent_id          uuid REFERENCES agents (id) ON DELETE CASCADE,
    agent_version     integer,
    status            run_status NOT NULL DEFAULT 'queued',
    input             jsonb NOT NULL DEFAULT '{}',
    output            jsonb,
    failure_reason    text,
    failure_detail    text,
    prompt_tokens     bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cost_micro_usd    bigint NOT NULL DEFAULT 0 CHECK (cost_micro_usd >= 0),
    api_key_id        uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz
);
CREATE INDEX runs_team_created_idx ON runs (team_id, created_at DESC);
CREATE INDEX runs_agent_created_idx ON runs (agent_id, created_at DESC);
CREATE INDEX runs_team_status_idx ON runs (team_id, status, created_at DESC);
CREATE INDEX runs_created_by_idx ON runs (created_by);

CREATE TABLE run_steps (
    run_id            uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq               integer NOT NULL,
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    kind              text NOT NULL,
    status            text NOT NULL,
    provider          text,
    model             text,
    detail            jsonb NOT NULL DEFAULT '{}',
    prompt_tokens     bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cost_micro_usd    bigint NOT NULL DEFAULT 0 CHECK (cost_micro_usd >= 0),
    latency_ms        integer,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    PRIMARY KEY (run_id, seq)
);

-- Dashboard roll-ups, kept current as runs and gateway calls finish.
CREATE TABLE usage_daily (
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    day               date NOT NULL,
    agent_id          uuid REFERENCES agents (id) ON DELETE CASCADE,
    api_key_id        uuid REFERENCES api_keys (id) ON DELETE CASCADE,
    provider          text NOT NULL,
    model             text NOT NULL,
    runs              bigint NOT NULL DEFAULT 0,
    failures          bigint NOT NULL DEFAULT 0,
    prompt_tokens     bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cost_micro_usd    bigint NOT NULL DEFAULT 0,
    latency_ms_sum    bigint NOT NULL DEFAULT 0,
    UNIQUE NULLS NOT DISTINCT (team_id, day, agent_id, api_key_id, provider, model)
);

-- ---------------------------------------------------------------- marketplace
CREATE TABLE templates (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id          uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    creator_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    agent_id         uuid REFERENCES agents (id) ON DELETE SET NULL,
    slug             text NOT NULL UNIQUE,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    summary          text NOT NULL DEFAULT '',
    description_md   text NOT NULL DEFAULT '',
    category         text NOT NULL,
    tags             text[] NOT NULL DEFAULT '{}',
    price_cents      bigint NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'unpublished')),
    current_version  integer NOT NULL DEFAULT 1,
    deploy_count     bigint NOT NULL DEFAULT 0,
    rating_count     bigint NOT NULL DEFAULT 0,
    rating_sum       bigint NOT NULL DEFAULT 0,
    search           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', summary), 'B') ||
        setweight(to_tsvector('english', description_md), 'C')
    ) STORED,
    created_at       timestamptz NOT NULL DEFAULT now(),
    published_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX templates_search_idx ON templates USING gin (search);
CREATE INDEX templates_published_idx ON templates (status, published_at DESC);
CREATE INDEX templates_team_idx ON templates (team_id);

CREATE TABLE template_versions (
    template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    version     integer NOT NULL,
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    spec_yaml   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (template_id, version)
);

CREATE TABLE purchases (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id                    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    template_id                uuid NOT NULL REFERENCES templates (id),
    template_version           integer NOT NULL,
    amount_cents               bigint NOT NULL CHECK (amount_cents >= 0),
    currency                   text NOT NULL DEFAULT 'usd',
    status                     text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
    stripe_checkout_session_id text UNIQUE,
    stripe_payment_intent_id   text,
    buyer_user_id              uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    paid_at                    timestamptz,
    refunded_at                timestamptz
);
-- A team buys a template once.
CREATE UNIQUE INDEX purchases_one_per_team_idx ON purchases (team_id, template_id) WHERE status = 'paid';

-- The tenant of a revenue share is the creator's team.
CREATE TABLE revenue_shares (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    purchase_id   uuid NOT NULL REFERENCES purchases (id),
    team_id       uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    beneficiary   text NOT NULL CHECK (beneficiary IN ('creator', 'platform')),
    kind          text NOT NULL CHECK (kind IN ('sale', 'reversal')),
    amount_cents  bigint NOT NULL,
    payout_status text NOT NULL DEFAULT 'pending',
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (purchase_id, beneficiary, kind)
);
CREATE INDEX revenue_shares_team_idx ON revenue_shares (team_id, created_at DESC);

CREATE TABLE reviews (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    template_id   uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    team_id       uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body          text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
    creator_reply text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (template_id, user_id)
);
CREATE INDEX reviews_template_idx ON reviews (template_id, created_at DESC);

-- Stripe events seen, for idempotent webhook handling. Platform-level, not tenant-owned.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);

-- ---------------------------------------------------------------- webhooks
CREATE TABLE webhooks (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    url               text NOT NULL,
    secret_ciphertext bytea NOT NULL,
    secret_nonce      bytea NOT NULL,
    events            text[] NOT NULL,
    enabled           boolean NOT NULL DEFAULT true,
    disabled_reason   text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_team_idx ON webhooks (team_id);

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id          uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    webhook_id       uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type       text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC);

-- ---------------------------------------------------------------- audit log
-- Append-only for the application role: it may insert and read, never change.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL for events outside any team (a failed sign-in).
    team_id       uuid REFERENCES teams (id) ON DELETE CASCADE,
    actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    action        text NOT NULL,
    target_type   text,
    target_id     text,
    detail        jsonb NOT NULL DEFAULT '{}',
    ip            inet,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_team_idx ON audit_log (team_id, created_at DESC);
CREATE INDEX audit_log_team_action_idx ON audit_log (team_id, action, created_at DESC);
REVOKE UPDATE, DELETE ON audit_log FROM agf_app;

-- ---------------------------------------------------------------- row-level security
-- Tables whose rows belong to exactly one team: the request's team sees and writes
-- only its own.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'subscriptions', 'invitations', 'api_keys', 'provider_keys', 'agents',
        'agent_versions', 'runs', 'run_steps', 'usage_daily', 'purchases',
        'revenue_shares', 'webhooks', 'webhook_deliveries'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id())',
            t);
    END LOOP;
END $$;

-- Teams: the current team, and every team the current user belongs to (the switcher).
ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_visible ON teams FOR SELECT
    USING (id = app_team_id() OR id IN (SELECT team_id FROM team_members WHERE user_id = app_user_id()));
CREATE POLICY team_create ON teams FOR INSERT WITH CHECK (created_by = app_user_id());
CREATE POLICY team_change ON teams FOR UPDATE USING (id = app_team_id()) WITH CHECK (id = app_team_id());
CREATE POLICY team_delete ON teams FOR DELETE USING (id = app_team_id());

-- Memberships: the current team's, and the current user's own (in any team).
ALTER TABLE team_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_visible ON team_members FOR SELECT
    USING (team_id = app_team_id() OR user_id = app_user_id());
CREATE POLICY member_write ON team_members FOR ALL
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Templates: published ones are readable by everyone; the creator's team manages its own.
ALTER TABLE templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY template_public ON templates FOR SELECT USING (status = 'published');
CREATE POLICY tenant_isolation ON templates USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

ALTER TABLE template_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY template_version_public ON template_versions FOR SELECT
    USING (template_id IN (SELECT id FROM templates WHERE status = 'published'));
CREATE POLICY tenant_isolation ON template_versions USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Reviews: public on published templates; written by the reviewer's team.
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY review_public ON reviews FOR SELECT
    USING (template_id IN (SELECT id FROM templates WHERE status = 'published'));
CREATE POLICY tenant_isolation ON reviews USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Audit: a team reads its own; events are written for the current team or for none.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit_log FOR SELECT USING (team_id = app_team_id());
CREATE POLICY audit_append ON audit_log FOR INSERT
    WITH CHECK (team_id IS NULL OR team_id = app_team_id());

-- Look-ups that must work before a team is known, as narrow definer functions.
-- An invitation link: its team and role, by the SHA-256 of its token.
CREATE FUNCTION invitation_by_token_hash(hash bytea)
RETURNS TABLE (id uuid, team_id uuid, team_name text, role team_role, expires_at timestamptz,
               accepted_at timestamptz, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT i.id, i.team_id, t.name, i.role, i.expires_at, i.accepted_at, i.revoked_at
    FROM invitations i JOIN teams t ON t.id = i.team_id
    WHERE i.token_hash = hash
$$;
REVOKE ALL ON FUNCTION invitation_by_token_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION invitation_by_token_hash(bytea) TO agf_app;

-- An API key: its team and scopes, by the SHA-256 of the key.
CREATE FUNCTION api_key_by_hash(hash bytea)
RETURNS TABLE (id uuid, team_id uuid, scopes text[], expires_at timestamptz, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT k.id, k.team_id, k.scopes, k.expires_at, k.revoked_at FROM api_keys k WHERE k.key_hash = hash
$$;
REVOKE ALL ON FUNCTION api_key_by_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_by_hash(bytea) TO agf_app;
