-- A key can answer its repeated temperature-0 gateway requests from the response cache
-- without asking in every request (X-Gateway-Cache), for this many seconds. NULL: off.
ALTER TABLE api_keys
    ADD COLUMN cache_ttl_secs integer CHECK (cache_ttl_secs BETWEEN 1 AND 604800);

-- The key lookup returns it too (a function's result type cannot change in place).
DROP FUNCTION api_key_by_hash(bytea);
CREATE FUNCTION api_key_by_hash(hash bytea)
RETURNS TABLE (id uuid, team_id uuid, scopes text[], expires_at timestamptz, revoked_at timestamptz,
               created_by uuid, creator_role team_role, plan plan_tier, budget_micro_usd bigint,
               cache_ttl_secs integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT k.id, k.team_id, k.scopes, k.expires_at, k.revoked_at, k.created_by, m.role, t.plan,
           k.budget_micro_usd, k.cache_ttl_secs
      FROM api_keys k
      JOIN teams t ON t.id = k.team_id
      LEFT JOIN team_members m ON m.team_id = k.team_id AND m.user_id = k.created_by
     WHERE k.key_hash = hash
$$;
REVOKE ALL ON FUNCTION api_key_by_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_by_hash(bytea) TO agf_app;
