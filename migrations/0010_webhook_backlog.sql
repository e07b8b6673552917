-- The webhook backlog as the operator's metrics see it: deliveries still to be sent,
-- across teams. A count only, nothing about any delivery.
CREATE FUNCTION webhook_backlog() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'
$$;
REVOKE ALL ON FUNCTION webhook_backlog() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_backlog() TO agf_app;
