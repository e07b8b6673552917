-- A team's own routing order: the providers its runs and gateway calls try in turn when
-- a spec does not name its own (model.prefer). No row: the platform's order.
CREATE TABLE team_routing (
    team_id    uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    providers  text[] NOT NULL CHECK (cardinality(providers) BETWEEN 1 AND 32),
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE team_routing ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON team_routing
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
