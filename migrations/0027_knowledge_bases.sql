-- Knowledge bases: a team's documents, extracted to text, split into chunks and
-- embedded, that agents search (vectors and full text, fused) and cite. Documents are
-- indexed by the workers, never in a request: a document is queued, claimed with a
-- lease like a run, and its chunks go live together when it is done, so a search
-- never sees half a document and a re-indexed one keeps serving its old chunks until
-- then.
CREATE TABLE knowledge_bases (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id              uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    -- What a spec's `knowledge:` names.
    name                 text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    -- The model whose vectors searches use, and their length.
    embedding_model      text NOT NULL CHECK (length(embedding_model) BETWEEN 1 AND 200),
    dimensions           integer NOT NULL CHECK (dimensions BETWEEN 1 AND 4000),
    -- While set, every chunk is being embedded with this model too; searches keep using
    -- the one above until all are, then switch in one statement.
    next_embedding_model text CHECK (length(next_embedding_model) BETWEEN 1 AND 200),
    next_dimensions      integer CHECK (next_dimensions BETWEEN 1 AND 4000),
    -- Chunks' size and overlap, in tokens (cl100k).
    chunk_tokens         integer NOT NULL DEFAULT 400 CHECK (chunk_tokens BETWEEN 50 AND 2000),
    chunk_overlap        integer NOT NULL DEFAULT 50 CHECK (chunk_overlap >= 0 AND chunk_overlap < chunk_tokens),
    -- The text-search configuration the chunks' words are indexed with.
    language             regconfig NOT NULL DEFAULT 'english',
    -- The worker re-embedding the chunks for `next_embedding_model`.
    lease_owner          text,
    lease_expires_at     timestamptz,
    created_by           uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, name),
    CHECK ((next_embedding_model IS NULL) = (next_dimensions IS NULL))
);

CREATE TABLE kb_documents (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    -- The file's name, or the address it was imported from; a new upload under the
    -- same name replaces the document (its unchanged chunks keep their ids).
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    source_url        text CHECK (length(source_url) <= 2000),
    media_type        text NOT NULL CHECK (media_type IN ('application/pdf', 'text/markdown', 'text/html', 'text/plain')),
    -- The file as uploaded, so it can be indexed again (a new chunk size, a crash).
    content           bytea NOT NULL,
    bytes             integer NOT NULL CHECK (bytes >= 0),
    content_sha256    bytea NOT NULL CHECK (length(content_sha256) = 32),
    tags              text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    state             text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'extracting', 'embedding', 'ready', 'failed')),
    -- Progress while embedding: chunks to embed and embedded so far.
    chunks_total      integer NOT NULL DEFAULT 0 CHECK (chunks_total >= 0),
    chunks_embedded   integer NOT NULL DEFAULT 0 CHECK (chunks_embedded >= 0),
    -- Live chunks (what searches see).
    chunk_count       integer NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
    -- Why it failed, in words for the person who uploaded it.
    failure           text CHECK (length(failure) <= 1000),
    -- What embedding it cost, all attempts together (also in the usage roll-up).
    cost_micro_usd    bigint NOT NULL DEFAULT 0 CHECK (cost_micro_usd >= 0),
    attempts          integer NOT NULL DEFAULT 0,
    lease_owner       text,
    lease_expires_at  timestamptz,
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    indexed_at        timestamptz,
    UNIQUE (knowledge_base_id, name),
    -- The same bytes twice in one knowledge base are one document.
    UNIQUE (knowledge_base_id, content_sha256)
);
CREATE INDEX kb_documents_list_idx ON kb_documents (knowledge_base_id, created_at DESC, id);
CREATE INDEX kb_documents_queue_idx ON kb_documents (updated_at)
    WHERE state IN ('queued', 'extracting', 'embedding');

-- A passage of a document. Its id is derived from the document, its text and which
-- occurrence of that text it is, so re-indexing a document keeps the ids (and the
-- citations that point at them) of every chunk whose text did not change.
CREATE TABLE kb_chunks (
    id                uuid PRIMARY KEY,
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    document_id       uuid NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
    position          integer NOT NULL CHECK (position >= 0),
    content           text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
    tokens            integer NOT NULL CHECK (tokens >= 0),
    tsv               tsvector NOT NULL,
    -- False while its document is being indexed: searches see live chunks only.
    live              boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_chunks_document_idx ON kb_chunks (document_id, position);
CREATE INDEX kb_chunks_tsv_idx ON kb_chunks USING gin (tsv);

-- A chunk's vector under one model (two while a knowledge base changes model). The
-- vectors have no fixed length in the column; each common length has its own HNSW
-- index over the column cast to it, which a search of that length uses (cosine
-- distance). 3,072 is past HNSW's 2,000 for `vector`: indexed as half precision.
CREATE TABLE kb_embeddings (
    chunk_id          uuid NOT NULL REFERENCES kb_chunks (id) ON DELETE CASCADE,
    model             text NOT NULL,
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    document_id       uuid NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
    dimensions        integer NOT NULL,
    live              boolean NOT NULL DEFAULT false,
    embedding         vector NOT NULL CHECK (vector_dims(embedding) = dimensions),
    PRIMARY KEY (chunk_id, model)
);
CREATE INDEX kb_embeddings_kb_idx ON kb_embeddings (knowledge_base_id, model);
CREATE INDEX kb_embeddings_document_idx ON kb_embeddings (document_id);
CREATE INDEX kb_embeddings_hnsw_64 ON kb_embeddings
    USING hnsw ((embedding::vector(64)) vector_cosine_ops) WHERE dimensions = 64;
CREATE INDEX kb_embeddings_hnsw_384 ON kb_embeddings
    USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dimensions = 384;
CREATE INDEX kb_embeddings_hnsw_768 ON kb_embeddings
    USING hnsw ((embedding::vector(768)) vector_cosine_ops) WHERE dimensions = 768;
CREATE INDEX kb_embeddings_hnsw_1024 ON kb_embeddings
    USING hnsw ((embedding::vector(1024)) vector_cosine_ops) WHERE dimensions = 1024;
CREATE INDEX kb_embeddings_hnsw_1536 ON kb_embeddings
    USING hnsw ((embedding::vector(1536)) vector_cosine_ops) WHERE dimensions = 1536;
CREATE INDEX kb_embeddings_hnsw_3072 ON kb_embeddings
    USING hnsw ((embedding::halfvec(3072)) halfvec_cosine_ops) WHERE dimensions = 3072;

ALTER TABLE knowledge_bases ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_bases USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
ALTER TABLE kb_documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON kb_documents USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
ALTER TABLE kb_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON kb_chunks USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());
ALTER TABLE kb_embeddings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON kb_embeddings USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- Idle workers wake when a document is queued.
CREATE FUNCTION notify_kb_document_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'queued' THEN
        PERFORM pg_notify('kb_documents_queued', NEW.id::text);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER kb_documents_queued AFTER INSERT OR UPDATE OF state ON kb_documents
    FOR EACH ROW EXECUTE FUNCTION notify_kb_document_queued();

-- A worker takes the oldest queued document, or one whose worker's lease lapsed.
CREATE FUNCTION claim_kb_document(worker text, lease_seconds integer)
RETURNS TABLE (id uuid, team_id uuid, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    UPDATE kb_documents d
       SET state = 'extracting',
           lease_owner = worker,
           lease_expires_at = now() + make_interval(secs => lease_seconds),
           attempts = d.attempts + 1
     WHERE d.id = (
        SELECT q.id FROM kb_documents q
         WHERE q.state = 'queued'
            OR (q.state IN ('extracting', 'embedding') AND q.lease_expires_at < now())
         ORDER BY q.updated_at
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
    RETURNING d.id, d.team_id, d.attempts
$$;
REVOKE ALL ON FUNCTION claim_kb_document(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_kb_document(text, integer) TO agf_app;

-- A worker takes a knowledge base whose chunks are to be embedded with a new model.
CREATE FUNCTION claim_kb_reembedding(worker text, lease_seconds integer)
RETURNS TABLE (id uuid, team_id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    UPDATE knowledge_bases k
       SET lease_owner = worker,
           lease_expires_at = now() + make_interval(secs => lease_seconds)
     WHERE k.id = (
        SELECT q.id FROM knowledge_bases q
         WHERE q.next_embedding_model IS NOT NULL
           AND (q.lease_expires_at IS NULL OR q.lease_expires_at < now())
         ORDER BY q.updated_at
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
    RETURNING k.id, k.team_id
$$;
REVOKE ALL ON FUNCTION claim_kb_reembedding(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_kb_reembedding(text, integer) TO agf_app;

-- A worker stopping (SIGTERM) hands its documents and knowledge bases back at once, so
-- another worker goes on without waiting for the leases to lapse; the interrupted
-- attempt does not count.
CREATE FUNCTION hand_back_kb_work(worker text)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    UPDATE kb_documents
       SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, attempts = greatest(attempts - 1, 0)
     WHERE lease_owner = worker AND state IN ('extracting', 'embedding');
    UPDATE knowledge_bases SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = worker;
$$;
REVOKE ALL ON FUNCTION hand_back_kb_work(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hand_back_kb_work(text) TO agf_app;

-- The chunks of a knowledge base matching any of a query's words (stemmed by
-- `config`), best `ts_rank_cd` first. Row-level security would keep the planner from
-- the GIN index (`@@` is not leakproof, so it may not run before the policy's check):
-- this function reads as the owner and checks the team itself.
CREATE FUNCTION kb_matching_chunks(kb uuid, config regconfig, words text, documents uuid[], n integer)
RETURNS TABLE (id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.id
      FROM kb_chunks c
     WHERE c.team_id = app_team_id() AND c.knowledge_base_id = kb AND c.live
       AND c.tsv @@ replace(plainto_tsquery(config, words)::text, '&', '|')::tsquery
       AND (documents IS NULL OR c.document_id = ANY (documents))
     ORDER BY ts_rank_cd(c.tsv, replace(plainto_tsquery(config, words)::text, '&', '|')::tsquery) DESC, c.id
     LIMIT n
$$;
REVOKE ALL ON FUNCTION kb_matching_chunks(uuid, regconfig, text, uuid[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_matching_chunks(uuid, regconfig, text, uuid[], integer) TO agf_app;
