-- Knowledge-base search at scale (scripts/bench-knowledge.sh): one knowledge base of
-- 1,000,000 chunks in the demo team, and 100 teams with a knowledge base of 10,000
-- chunks each (and a member's API key, `agf_bench_<n>`). Chunks are twelve words of a
-- 2,000-word vocabulary. Vectors are shaped like text embeddings: 64 numbers with 16
-- degrees of freedom (16 random weights of 16 fixed directions), for far fewer
-- directions than numbers, as a model's are. The HNSW index is built after the rows, as
-- a bulk load would.
SET maintenance_work_mem = '2GB';
DROP INDEX IF EXISTS kb_embeddings_hnsw_64;

CREATE TEMP TABLE vocabulary AS
    SELECT n, md5(n::text)::text AS word FROM generate_series(1, 2000) n;

INSERT INTO users (email, password_hash, display_name)
    SELECT 'bench-' || n || '@example.com', 'not-a-password', 'Bench ' || n FROM generate_series(1, 100) n;
INSERT INTO teams (name) SELECT 'Bench team ' || n FROM generate_series(1, 100) n;
INSERT INTO team_members (team_id, user_id, role)
    SELECT t.id, u.id, 'owner' FROM teams t JOIN users u ON u.display_name = replace(t.name, ' team', '')
     WHERE t.name LIKE 'Bench team %';
-- Team n's key: agf_bench followed by n on 38 digits (a key's length).
INSERT INTO api_keys (team_id, name, prefix, key_hash, scopes, created_by)
    SELECT m.team_id, 'bench', left(k.key, 12), sha256(convert_to(k.key, 'UTF8')), '{read,run}', u.id
      FROM team_members m JOIN users u ON u.id = m.user_id,
           LATERAL (SELECT 'agf_bench' || lpad(split_part(split_part(u.email, '@', 1), '-', 2), 38, '0') AS key) k
     WHERE u.email LIKE 'bench-%';

INSERT INTO knowledge_bases (team_id, name, embedding_model, dimensions)
    SELECT m.team_id, 'big', 'demo-embed', 64 FROM team_members m JOIN users u ON u.id = m.user_id
     WHERE u.email = 'demo@agentfactory.dev' AND m.role = 'owner';
INSERT INTO knowledge_bases (team_id, name, embedding_model, dimensions)
    SELECT id, 'handbook', 'demo-embed', 64 FROM teams WHERE name LIKE 'Bench team %';

INSERT INTO kb_documents (team_id, knowledge_base_id, name, media_type, content, bytes, content_sha256, state, chunk_count)
    SELECT k.team_id, k.id, 'bulk.txt', 'text/plain', '\x00', 1, sha256(k.id::text::bytea), 'ready',
           CASE k.name WHEN 'big' THEN 1000000 ELSE 10000 END
      FROM knowledge_bases k WHERE k.name IN ('big', 'handbook');

CREATE TEMP TABLE planned AS
    SELECT d.team_id, d.knowledge_base_id, d.id AS document_id, n AS position, gen_random_uuid() AS id
      FROM kb_documents d, generate_series(0, d.chunk_count - 1) n
     WHERE d.name = 'bulk.txt';

INSERT INTO kb_chunks (id, team_id, knowledge_base_id, document_id, position, content, tokens, tsv, live)
    SELECT p.id, p.team_id, p.knowledge_base_id, p.document_id, p.position, c.text, 12, to_tsvector('english', c.text), true
      FROM planned p,
           LATERAL (SELECT string_agg(v.word, ' ') AS text FROM vocabulary v
                     WHERE v.n IN (SELECT 1 + ((hashint8(p.position * 31 + i + hashtext(p.knowledge_base_id::text)) & 2147483647) % 2000)
                                     FROM generate_series(1, 12) i)) c;

-- The 16 directions: random, the same every run. (Not sin(31d + 17j): by the angle-sum
-- rule those are all combinations of two vectors, sin(31d) and cos(31d), so every chunk
-- would lie in one plane.)
SELECT setseed(0.25) AS seeded \gset
CREATE TEMP TABLE directions AS
    SELECT j, array(SELECT random() - 0.5 + j * 0 FROM generate_series(1, 64))::vector(64) AS v
      FROM generate_series(1, 16) j;
-- `+ p.position * 0` ties each weight to the outer row, so every chunk draws its own.
INSERT INTO kb_embeddings (chunk_id, model, team_id, knowledge_base_id, document_id, dimensions, live, embedding)
    SELECT p.id, 'demo-embed', p.team_id, p.knowledge_base_id, p.document_id, 64, true,
           (SELECT sum(d.v * array_fill((random() - 0.5 + p.position * 0)::real, ARRAY[64])::vector(64)) FROM directions d)
      FROM planned p;

CREATE INDEX kb_embeddings_hnsw_64 ON kb_embeddings
    USING hnsw ((embedding::vector(64)) vector_cosine_ops) WHERE dimensions = 64;
ANALYZE kb_chunks;
ANALYZE kb_embeddings;
