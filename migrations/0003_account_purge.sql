-- Deleted accounts are anonymised at once; 30 days later this purge removes the user
-- and the teams nobody else belongs to (with everything in them). Content in teams
-- shared with others stays, attributed to nobody. Runs with the owner's rights so the
-- application role can call it without seeing other tenants' rows.
CREATE FUNCTION purge_deleted_accounts() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE purged integer;
BEGIN
    DELETE FROM teams t
    WHERE t.id IN (
        SELECT m.team_id FROM team_members m JOIN users u ON u.id = m.user_id
        WHERE u.purge_after < now()
    )
    AND NOT EXISTS (
        SELECT 1 FROM team_members other JOIN users ou ON ou.id = other.user_id
        WHERE other.team_id = t.id AND (ou.purge_after IS NULL OR ou.purge_after >= now())
    );
    DELETE FROM users WHERE purge_after < now();
    GET DIAGNOSTICS purged = ROW_COUNT;
    RETURN purged;
END $$;
REVOKE ALL ON FUNCTION purge_deleted_accounts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_deleted_accounts() TO agf_app;
