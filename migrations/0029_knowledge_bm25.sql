-- Word search ranked by BM25. ts_rank_cd has no notion of how rare a word is, so a word
-- in every chunk of a knowledge base ("refund" in a refunds handbook) outweighed the one
-- that picks out the passage; on the SQuAD benchmark (scripts/bench-retrieval.sh) that
-- made word search, and the fusion with it, worse than vectors alone.
--
-- Every chunk holding any of the query's words is read anyway (through the GIN index),
-- and a chunk without a word cannot count towards that word's document frequency, so
-- the frequencies come exactly from those chunks: no statistics table to keep in step.
-- `total` is the knowledge base's live chunks (the caller has it). BM25 with k1 = 1.2,
-- b = 0.75, lengths in the chunk's tokens against the matching chunks' mean.
--
-- kb_matching_chunks stays until no server calls it (a rolling upgrade runs both).
CREATE FUNCTION kb_bm25_chunks(kb uuid, config regconfig, words text, documents uuid[], total bigint, n integer)
RETURNS TABLE (id uuid, score float8)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    WITH occurrences AS (
        SELECT c.id, c.tokens, u.lexeme, cardinality(u.positions) AS tf
          FROM kb_chunks c, unnest(c.tsv) u
         WHERE c.team_id = app_team_id() AND c.knowledge_base_id = kb AND c.live
           AND c.tsv @@ replace(plainto_tsquery(config, words)::text, '&', '|')::tsquery
           AND (documents IS NULL OR c.document_id = ANY (documents))
           AND u.lexeme = ANY (tsvector_to_array(to_tsvector(config, words)))
    ),
    weighted AS (
        SELECT o.id, o.tokens, o.tf,
               count(*) OVER (PARTITION BY o.lexeme) AS df,
               avg(o.tokens) OVER () AS mean_tokens
          FROM occurrences o
    )
    SELECT w.id,
           sum(ln(1 + (greatest(total, w.df) - w.df + 0.5) / (w.df + 0.5))
               * w.tf * 2.2 / (w.tf + 1.2 * (0.25 + 0.75 * w.tokens / greatest(w.mean_tokens, 1))))::float8 AS score
      FROM weighted w
     GROUP BY w.id
     ORDER BY score DESC, w.id
     LIMIT n
$$;
REVOKE ALL ON FUNCTION kb_bm25_chunks(uuid, regconfig, text, uuid[], bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_bm25_chunks(uuid, regconfig, text, uuid[], bigint, integer) TO agf_app;
