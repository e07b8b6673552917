-- Recall@10 of an HNSW index (pgvector defaults, ef_search 40, iterative scan) against
-- exact search on vectors shaped like text embeddings, for the README beside the
-- worst case of knowledge-recall.sql (uniformly random vectors).
SET maintenance_work_mem = '1GB';
DROP TABLE IF EXISTS recall_check;
-- 100,000 vectors of 64 numbers with 16 degrees of freedom (a fixed projection of 16
-- random numbers), as text embeddings are: far fewer directions than numbers.
CREATE TABLE recall_check AS
  SELECT n AS id,
         array(SELECT sum(sin(d * 31 + j * 17) * z.v[j]) FROM generate_series(1, 64) d, generate_series(1, 16) j GROUP BY d ORDER BY d)::vector(64) AS embedding
    FROM generate_series(1, 100000) n,
         LATERAL (SELECT array(SELECT random() - 0.5 + n * 0 FROM generate_series(1, 16)) AS v) z;
CREATE INDEX ON recall_check USING hnsw (embedding vector_cosine_ops);
ANALYZE recall_check;
CREATE TEMP TABLE r (found int);
DO $$
DECLARE q vector; approx int[]; exact int[];
BEGIN
  FOR i IN 1..200 LOOP
    SELECT (SELECT array_agg(x + (random() - 0.5) * 0.05) FROM unnest(embedding::real[]) x)::vector INTO q FROM recall_check ORDER BY random() LIMIT 1;
    SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.ef_search = 40;
    SELECT array_agg(id) INTO approx FROM (SELECT id FROM (SELECT id, embedding FROM recall_check ORDER BY embedding <=> q LIMIT 30) a ORDER BY embedding <=> q LIMIT 10) b;
    SET LOCAL enable_indexscan = off;
    SELECT array_agg(id) INTO exact FROM (SELECT id FROM recall_check ORDER BY embedding <=> q LIMIT 10) x;
    SET LOCAL enable_indexscan = on;
    INSERT INTO r SELECT count(*) FROM unnest(exact) e WHERE e = ANY (approx);
  END LOOP;
END $$;
SELECT count(*) AS queries, round(avg(found) / 10.0, 3) AS recall_at_10 FROM r;
DROP TABLE recall_check;
