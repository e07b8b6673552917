-- Conversations: talking to an agent, turn after turn. Each user message is a turn
-- executed as a run of the agent (`runs.conversation_id`), so its steps, cost, quotas,
-- traces and the dashboard work as for any run; the model sees the conversation so far
-- within the spec's history budget, older turns folded into a summary the model wrote.
CREATE TABLE conversations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id         uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    agent_id        uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    title           text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    -- The spec's inputs, given once for the whole conversation (its instructions use them).
    inputs          jsonb NOT NULL DEFAULT '{}',
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    api_key_id      uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    -- What the model wrote of the turns up to message `summary_through` (inclusive), when
    -- the conversation outgrew the history budget; later turns are sent as they are.
    summary         text,
    summary_through integer NOT NULL DEFAULT 0,
    -- The whole conversation's spend, for its cost ceiling (the runs hold the detail).
    cost_micro_usd  bigint NOT NULL DEFAULT 0 CHECK (cost_micro_usd >= 0),
    archived_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_agent_idx ON conversations (team_id, agent_id, updated_at DESC, id);

CREATE TABLE conversation_messages (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             integer NOT NULL CHECK (seq > 0),
    team_id         uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('user', 'assistant')),
    content         text NOT NULL CHECK (length(content) <= 100000),
    -- The turn's run: the user's message names the run that answers it, the answer the
    -- run that wrote it.
    run_id          uuid REFERENCES runs (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX conversation_messages_run_idx ON conversation_messages (run_id);

ALTER TABLE runs ADD COLUMN conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL;
CREATE INDEX runs_conversation_idx ON runs (conversation_id) WHERE conversation_id IS NOT NULL;

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversations USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
ALTER TABLE conversation_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversation_messages USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
