-- Knowledge bases keep their chunks' embeddings in PostgreSQL with pgvector, 0.8 or
-- later (HNSW indexes with iterative scans, so a search under row-level security still
-- finds its full top k). Creating an extension takes a superuser (on a managed service,
-- its admin role): `make run` and `make test` create it in template1 and the database
-- before migrating, a deployment once as its admin (README, Deploy). Here it is made
-- where the owner may, and its version checked.
CREATE EXTENSION IF NOT EXISTS vector;

DO $$
DECLARE
    found text := (SELECT extversion FROM pg_extension WHERE extname = 'vector');
BEGIN
    IF string_to_array(found, '.')::int[] < '{0,8}' THEN
        RAISE EXCEPTION 'pgvector 0.8 or later is needed, found %: as a superuser, ALTER EXTENSION vector UPDATE', found;
    END IF;
END $$;
