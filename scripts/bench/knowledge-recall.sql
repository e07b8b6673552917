-- Recall@10 of the HNSW path (as the search runs it: iterative scan, relaxed order,
-- ef_search 40) against exact search, for 200 queries in the 1,000,000-chunk knowledge
-- base and 200 in the bench teams' 10,000-chunk ones (filtered from 2,000,000 rows).
-- Queries are stored vectors with noise: near some chunks, as real questions are.
CREATE TEMP TABLE recall (scope text, found int);
DO $$
DECLARE
    target record;
    q vector;
    approximate uuid[];
    exact uuid[];
BEGIN
    FOR target IN
        (SELECT 'one knowledge base of 1,000,000' AS scope, k.id FROM knowledge_bases k, generate_series(1, 200) WHERE k.name = 'big')
        UNION ALL
        (SELECT 'knowledge bases of 10,000 among 2,000,000', k.id FROM knowledge_bases k WHERE k.name = 'handbook'
         UNION ALL SELECT 'knowledge bases of 10,000 among 2,000,000', k.id FROM knowledge_bases k WHERE k.name = 'handbook')
    LOOP
        SELECT (SELECT array_agg(x + (random() - 0.5) * 0.3) FROM unnest(e.embedding::real[]) x)::vector INTO q
          FROM kb_embeddings e WHERE e.knowledge_base_id = target.id ORDER BY random() LIMIT 1;
        SET LOCAL hnsw.iterative_scan = relaxed_order;
        SET LOCAL hnsw.ef_search = 40;
        SELECT array_agg(chunk_id) INTO approximate FROM (
            SELECT chunk_id FROM kb_embeddings e
             WHERE e.knowledge_base_id = target.id AND e.model = 'demo-embed' AND e.dimensions = 64 AND e.live
             ORDER BY e.embedding::vector(64) <=> q::vector(64) LIMIT 30) a;
        SELECT array_agg(chunk_id) INTO exact FROM (
            SELECT chunk_id FROM kb_embeddings e
             WHERE e.knowledge_base_id = target.id AND e.model = 'demo-embed' AND e.dimensions = 64 AND e.live
             ORDER BY e.embedding <=> q LIMIT 10) x;
        -- The search asks the index for 30 and keeps the 10 nearest of them.
        INSERT INTO recall SELECT target.scope, (SELECT count(*) FROM unnest(exact) t
              WHERE t = ANY ((SELECT array_agg(chunk_id) FROM (SELECT chunk_id FROM kb_embeddings
                               WHERE chunk_id = ANY (approximate) AND model = 'demo-embed'
                               ORDER BY embedding <=> q LIMIT 10) best)::uuid[]));
    END LOOP;
END $$;
SELECT scope, count(*) AS queries, round(avg(found) / 10.0, 3) AS recall_at_10 FROM recall GROUP BY scope;
