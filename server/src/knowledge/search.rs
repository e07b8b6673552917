//! Hybrid search of one knowledge base: the chunks nearest the query's vector (HNSW,
//! cosine) and the chunks matching its words (PostgreSQL full text through GIN, ranked
//! by BM25), fused by reciprocal rank. The first runs under the team's row-level
//! security, the second in a function that checks the team itself (the GIN index is
//! out of the planner's reach under row-level security). An approximate index filtered
//! afterwards by team, knowledge base and documents could come back short; pgvector's
//! iterative scans keep reading the index until the top k are found, and a knowledge
//! base small enough is searched exactly.

use std::collections::HashMap;

use app::knowledge::{Chunk, Retrieval, SearchHit};
use pgvector::Vector;
use uuid::Uuid;

use crate::db::tenant::Tx;

/// Reciprocal rank fusion's constant: a chunk's score is Σ 1 / (RRF_K + rank).
const RRF_K: f64 = 60.0;
/// The vector lengths the migration indexes (3,072 as half precision).
const INDEXED_DIMENSIONS: [i32; 6] = [64, 384, 768, 1024, 1536, 3072];

/// What is searched.
#[derive(Debug, Clone)]
pub struct Target {
    pub knowledge_base_id: Uuid,
    pub model: String,
    pub dimensions: i32,
    pub language: String,
    /// Live chunks in the knowledge base.
    pub chunks: i64,
    /// Below this many live chunks, an exact scan is about as quick as the index, and
    /// exact (`KNOWLEDGE_EXACT_SEARCH_BELOW`).
    pub exact_below: i64,
}

/// A search's inputs, checked.
#[derive(Debug, Clone)]
pub struct Query {
    pub text: String,
    /// The query's embedding (empty for a keyword search).
    pub vector: Vec<f32>,
    pub retrieval: Retrieval,
    pub k: u32,
    /// Only these documents (`None`: all).
    pub documents: Option<Vec<Uuid>>,
}

/// One ranked list's entry.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked {
    id: Uuid,
    distance: Option<f64>,
}

/// The top `k` chunks for the query, best first.
pub async fn top_k(
    tx: &mut Tx,
    target: &Target,
    query: &Query,
) -> Result<Vec<SearchHit>, sqlx::Error> {
    // Each list brings more than k, so fusion has room to reorder.
    let depth = i64::from(query.k.max(10) * 3);
    let semantic = match query.retrieval.by_meaning() {
        true => nearest(tx, target, query, depth).await?,
        false => Vec::new(),
    };
    let lexical = match query.retrieval.by_words() {
        true => matching(tx, target, query, depth).await?,
        false => Vec::new(),
    };
    let fused = fuse(&semantic, &lexical, query.k as usize);
    let ids: Vec<Uuid> = fused.iter().map(|(id, ..)| *id).collect();
    let rows = sqlx::query_as::<_, HitRow>(
        "SELECT c.id, c.knowledge_base_id, c.document_id, c.position, c.content, c.tokens, d.name AS document_name
           FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id
          WHERE c.id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?;
    let mut rows: HashMap<Uuid, HitRow> = rows.into_iter().map(|row| (row.id, row)).collect();
    Ok(fused
        .into_iter()
        .filter_map(|(id, score, semantic_rank, lexical_rank)| {
            let row = rows.remove(&id)?;
            Some(SearchHit {
                chunk: Chunk {
                    id,
                    document_id: row.document_id,
                    position: row.position,
                    content: row.content,
                    tokens: row.tokens,
                },
                knowledge_base_id: row.knowledge_base_id,
                document_name: row.document_name,
                score,
                semantic_rank: semantic_rank.map(|(rank, _)| rank),
                distance: semantic_rank.and_then(|(_, distance)| distance),
                lexical_rank,
            })
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct HitRow {
    id: Uuid,
    knowledge_base_id: Uuid,
    document_id: Uuid,
    position: i32,
    content: String,
    tokens: i32,
    document_name: String,
}

/// The nearest live vectors of the knowledge base's model. The SQL names the length
/// as a literal (one of [`INDEXED_DIMENSIONS`], or none): a partial index is used only
/// when the query's predicate and expression match its own.
async fn nearest(
    tx: &mut Tx,
    target: &Target,
    query: &Query,
    depth: i64,
) -> Result<Vec<Ranked>, sqlx::Error> {
    let dims = target.dimensions;
    let indexed = INDEXED_DIMENSIONS.contains(&dims) && target.chunks >= target.exact_below;
    let (column, operand) = match (indexed, dims) {
        (false, _) => ("e.embedding".to_string(), "$1".to_string()),
        (true, 3072) => (
            "e.embedding::halfvec(3072)".into(),
            "$1::halfvec(3072)".into(),
        ),
        (true, _) => (
            format!("e.embedding::vector({dims})"),
            format!("$1::vector({dims})"),
        ),
    };
    if indexed {
        // Keep scanning the graph past rows the filters drop, until k are found; the
        // order is then only nearly sorted, so the rows are sorted again below.
        let ef = depth.clamp(40, 1000);
        sqlx::query(
            "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
                    set_config('hnsw.ef_search', $1, true),
                    set_config('hnsw.max_scan_tuples', '200000', true)",
        )
        .bind(ef.to_string())
        .execute(&mut **tx)
        .await?;
    }
    let sql = format!(
        "SELECT e.chunk_id, ({column} <=> {operand})::float8 AS distance
           FROM kb_embeddings e
          WHERE e.knowledge_base_id = $2 AND e.model = $3 AND e.dimensions = {dims} AND e.live
            AND ($4::uuid[] IS NULL OR e.document_id = ANY($4))
          ORDER BY {column} <=> {operand}
          LIMIT $5"
    );
    let mut rows: Vec<(Uuid, f64)> = sqlx::query_as(&sql)
        .bind(Vector::from(query.vector.clone()))
        .bind(target.knowledge_base_id)
        .bind(&target.model)
        .bind(query.documents.clone())
        .bind(depth)
        .fetch_all(&mut **tx)
        .await?;
    rows.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(rows
        .into_iter()
        .map(|(id, distance)| Ranked {
            id,
            distance: Some(distance),
        })
        .collect())
}

/// Live chunks matching any of the query's words (stemmed by the knowledge base's
/// language), best BM25 first: a rare word counts for more than one in every chunk.
/// Any word, not all: a question's words are rarely all in the passage that answers it.
async fn matching(
    tx: &mut Tx,
    target: &Target,
    query: &Query,
    depth: i64,
) -> Result<Vec<Ranked>, sqlx::Error> {
    // Through a function that checks the team itself: under row-level security the
    // planner could not use the GIN index (see migration 0027).
    let rows: Vec<(Uuid,)> =
        sqlx::query_as("SELECT id FROM kb_bm25_chunks($1, $2::regconfig, $3, $4, $5, $6)")
            .bind(target.knowledge_base_id)
            .bind(&target.language)
            .bind(&query.text)
            .bind(query.documents.clone())
            .bind(target.chunks)
            .bind(i32::try_from(depth).unwrap_or(i32::MAX))
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id,)| Ranked { id, distance: None })
        .collect())
}

/// Reciprocal rank fusion: each chunk scores Σ 1 / (60 + rank) over the lists it is in.
/// Best first, ties by id; with each chunk's 1-based ranks (and distance).
#[allow(clippy::type_complexity)]
fn fuse(
    semantic: &[Ranked],
    lexical: &[Ranked],
    k: usize,
) -> Vec<(Uuid, f64, Option<(u32, Option<f64>)>, Option<u32>)> {
    let mut fused: HashMap<Uuid, (f64, Option<(u32, Option<f64>)>, Option<u32>)> = HashMap::new();
    for (rank, hit) in (1u32..).zip(semantic) {
        let entry = fused.entry(hit.id).or_default();
        entry.0 += 1.0 / (RRF_K + f64::from(rank));
        entry.1 = Some((rank, hit.distance));
    }
    for (rank, hit) in (1u32..).zip(lexical) {
        let entry = fused.entry(hit.id).or_default();
        entry.0 += 1.0 / (RRF_K + f64::from(rank));
        entry.2 = Some(rank);
    }
    let mut fused: Vec<_> = fused
        .into_iter()
        .map(|(id, (score, semantic, lexical))| (id, score, semantic, lexical))
        .collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused.truncate(k);
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(ids: &[u128]) -> Vec<Ranked> {
        ids.iter()
            .map(|id| Ranked {
                id: Uuid::from_u128(*id),
                distance: Some(0.1),
            })
            .collect()
    }

    #[test]
    fn a_chunk_in_both_lists_beats_one_on_top_of_a_single_list() {
        let fused = fuse(&ranked(&[1, 2, 3]), &ranked(&[4, 2, 5]), 3);
        let ids: Vec<u128> = fused.iter().map(|f| f.0.as_u128()).collect();
        assert_eq!(ids[0], 2);
        assert_eq!(fused[0].2.map(|s| s.0), Some(2));
        assert_eq!(fused[0].3, Some(2));
        assert_eq!(fused.len(), 3);
        // 1 and 4 tie (first in one list each): the id breaks it.
        assert_eq!(&ids[1..], [1, 4]);
    }
}
