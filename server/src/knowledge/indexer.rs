//! The workers' side of knowledge bases: documents are claimed from the queue with a
//! lease (`claim_kb_document`, like runs), extracted, split and embedded, and their
//! chunks go live together in one transaction. Each embedded batch is stored as it
//! comes, with its cost, so a worker that dies mid-document loses nothing: the next
//! claim finds those vectors by their chunks' ids and embeds only the rest. The same
//! ids make a re-uploaded document's unchanged passages free.
//!
//! Knowledge bases moving to a new embedding model are claimed the same way and their
//! chunks embedded again while searches keep the old vectors; when every chunk has a
//! new one, one transaction switches the model and drops the old vectors.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use pgvector::Vector;
use sqlx::PgPool;
use tokio::sync::Notify;
use uuid::Uuid;

use super::chunking::{self, Planned, Sizing};
use super::embedder::{BATCH, EmbedError, Embedded, Embedder};
use super::extract::{self, MediaType};
use crate::db::tenant::{self, Tenant, Tx};
use crate::shutdown::Shutdown;

/// How long a claim holds without news from its worker; renewed with every batch.
const LEASE_SECS: i32 = 120;
/// A document claimed more often than this has crashed its workers: fail it.
const MAX_ATTEMPTS: i32 = 3;
/// Documents indexed at once per process (extraction and splitting take a core each).
const CONCURRENCY: usize = 2;

#[derive(Clone)]
pub struct Indexer {
    pub db: PgPool,
    pub embedder: Embedder,
    pub worker: String,
}

/// Why a document could not be indexed this time.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// The document's own fault: failed with this reason for its owner.
    #[error("{0}")]
    Document(String),
    /// Ours or the provider's, and passing: the document is tried again later.
    #[error("{0}")]
    Transient(String),
    /// Another worker holds the document now (our lease lapsed): leave it.
    #[error("the lease was lost")]
    LeaseLost,
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Failure {
        tracing::warn!(%error, "knowledge indexing could not reach the database");
        Failure::Transient("our database was briefly unavailable".into())
    }
}

impl From<EmbedError> for Failure {
    fn from(error: EmbedError) -> Failure {
        if error.is_transient() {
            Failure::Transient(error.to_string())
        } else {
            Failure::Document(capitalised(&error.to_string()))
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A claimed document, as the worker needs it.
#[derive(sqlx::FromRow)]
struct Job {
    knowledge_base_id: Uuid,
    media_type: String,
    content: Vec<u8>,
    chunk_tokens: i32,
    chunk_overlap: i32,
    language: String,
    embedding_model: String,
    next_embedding_model: Option<String>,
    dimensions: i32,
    next_dimensions: Option<i32>,
}

impl Indexer {
    /// Indexes queued documents and re-embeds knowledge bases until the drain.
    pub fn spawn(self, database_url: String, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
        let wake = Arc::new(Notify::new());
        let listener = tokio::spawn(crate::db::notify::wake_on(
            database_url,
            "kb_documents_queued",
            wake.clone(),
        ));
        tokio::spawn(async move {
            crate::db::schema::wait_until_compatible(&self.db).await;
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..CONCURRENCY {
                let indexer = self.clone();
                let shutdown = shutdown.clone();
                let wake = wake.clone();
                tasks.spawn(async move { indexer.claim_until(&shutdown, &wake).await });
            }
            while tasks.join_next().await.is_some() {}
            listener.abort();
        })
    }

    async fn claim_until(&self, shutdown: &Shutdown, wake: &Notify) {
        loop {
            if shutdown.has_begun() {
                return;
            }
            let worked = tokio::select! {
                _ = shutdown.begun() => {
                    // Stopped mid-document: hand it back for another worker at once.
                    self.hand_back().await;
                    return;
                }
                worked = self.work_once() => worked,
            };
            match worked {
                Ok(true) => {}
                Ok(false) => {
                    tokio::select! {
                        _ = shutdown.begun() => return,
                        _ = tokio::time::timeout(Duration::from_secs(2), wake.notified()) => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "could not claim knowledge work; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Does one piece of work if there is one: a document, else a re-embedding batch.
    async fn work_once(&self) -> Result<bool, sqlx::Error> {
        let claimed: Option<(Uuid, Uuid, i32)> =
            sqlx::query_as("SELECT id, team_id, attempts FROM claim_kb_document($1, $2)")
                .bind(&self.worker)
                .bind(LEASE_SECS)
                .fetch_optional(&self.db)
                .await?;
        if let Some((document_id, team_id, attempts)) = claimed {
            self.index(team_id, document_id, attempts).await;
            return Ok(true);
        }
        let claimed: Option<(Uuid, Uuid)> =
            sqlx::query_as("SELECT id, team_id FROM claim_kb_reembedding($1, $2)")
                .bind(&self.worker)
                .bind(LEASE_SECS)
                .fetch_optional(&self.db)
                .await?;
        if let Some((knowledge_base_id, team_id)) = claimed {
            if let Err(error) = self.reembed(team_id, knowledge_base_id).await {
                tracing::warn!(%error, knowledge_base = %knowledge_base_id, "re-embedding paused; it will be resumed");
            }
            return Ok(true);
        }
        Ok(false)
    }

    async fn hand_back(&self) {
        let result = sqlx::query("SELECT hand_back_kb_work($1)")
            .bind(&self.worker)
            .execute(&self.db)
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not hand knowledge work back; its leases will lapse");
        }
    }

    async fn index(&self, team_id: Uuid, document_id: Uuid, attempts: i32) {
        let outcome = if attempts > MAX_ATTEMPTS {
            Err(Failure::Document(format!(
                "Indexing was interrupted {MAX_ATTEMPTS} times. Upload the document again to retry."
            )))
        } else {
            self.try_index(team_id, document_id).await
        };
        let result = match outcome {
            Ok(()) => Ok(()),
            Err(Failure::LeaseLost) => Ok(()),
            Err(Failure::Document(reason)) => self.fail(team_id, document_id, &reason).await,
            Err(Failure::Transient(reason)) if attempts >= MAX_ATTEMPTS => {
                let reason = format!(
                    "Indexing failed {MAX_ATTEMPTS} times; the last time: {reason}. Upload the document again to retry."
                );
                self.fail(team_id, document_id, &reason).await
            }
            Err(Failure::Transient(reason)) => {
                tracing::warn!(document = %document_id, %reason, "indexing will be retried");
                self.retry_later(team_id, document_id).await
            }
        };
        if let Err(error) = result {
            tracing::warn!(%error, document = %document_id, "could not record the document's state; its lease will lapse");
        }
    }

    async fn try_index(&self, team_id: Uuid, document_id: Uuid) -> Result<(), Failure> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let job = sqlx::query_as::<_, Job>(
            "SELECT d.knowledge_base_id, d.media_type, d.content, k.chunk_tokens, k.chunk_overlap,
                    k.language::text AS language, k.embedding_model, k.next_embedding_model,
                    k.dimensions, k.next_dimensions
               FROM kb_documents d JOIN knowledge_bases k ON k.id = d.knowledge_base_id
              WHERE d.id = $1 AND d.lease_owner = $2",
        )
        .bind(document_id)
        .bind(&self.worker)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Failure::LeaseLost)?;
        tx.commit().await?;

        let media = MediaType::parse(&job.media_type).unwrap_or(MediaType::Text);
        let sizing = Sizing {
            tokens: usize::try_from(job.chunk_tokens).unwrap_or(400),
            overlap: usize::try_from(job.chunk_overlap).unwrap_or(0),
            structured: media.is_structured(),
        };
        let content = job.content;
        let planned = tokio::task::spawn_blocking(move || {
            extract::text(media, &content).map(|text| chunking::split(document_id, &text, sizing))
        })
        .await
        .map_err(|_| {
            Failure::Document("The document could not be read (its parser failed).".into())
        })?
        .map_err(|no_text| Failure::Document(no_text.to_string()))?;
        if planned.is_empty() {
            return Err(Failure::Document(extract::NoText::Empty.to_string()));
        }

        let models: Vec<(String, i32)> = std::iter::once((job.embedding_model, job.dimensions))
            .chain(job.next_embedding_model.zip(job.next_dimensions))
            .collect();
        self.store_chunks(
            team_id,
            document_id,
            job.knowledge_base_id,
            &job.language,
            &planned,
            &models,
        )
        .await?;
        for (model, dimensions) in &models {
            self.embed_missing(
                team_id,
                document_id,
                job.knowledge_base_id,
                &planned,
                model,
                *dimensions,
            )
            .await?;
        }
        self.go_live(
            team_id,
            document_id,
            job.knowledge_base_id,
            &planned,
            sizing,
            &job.language,
        )
        .await
    }

    /// Writes the planned chunks (not yet live; those already stored keep their row,
    /// at their new place) and the progress to show.
    async fn store_chunks(
        &self,
        team_id: Uuid,
        document_id: Uuid,
        knowledge_base_id: Uuid,
        language: &str,
        planned: &[Planned],
        models: &[(String, i32)],
    ) -> Result<(), Failure> {
        let mut tx = self.leased(team_id, document_id).await?;
        for slice in planned.chunks(500) {
            let ids: Vec<Uuid> = slice.iter().map(|c| c.id).collect();
            let positions: Vec<i32> = slice.iter().map(|c| c.position).collect();
            let contents: Vec<&str> = slice.iter().map(|c| c.content.as_str()).collect();
            let tokens: Vec<i32> = slice.iter().map(|c| c.tokens).collect();
            sqlx::query(
                "INSERT INTO kb_chunks (id, team_id, knowledge_base_id, document_id, position, content, tokens, tsv)
                 SELECT c.id, $5, $6, $7, c.position, c.content, c.tokens, to_tsvector($8::regconfig, c.content)
                   FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[]) AS c (id, position, content, tokens)
                 ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position",
            )
            .bind(&ids)
            .bind(&positions)
            .bind(&contents)
            .bind(&tokens)
            .bind(team_id)
            .bind(knowledge_base_id)
            .bind(document_id)
            .bind(language)
            .execute(&mut *tx)
            .await?;
        }
        let ids: Vec<Uuid> = planned.iter().map(|c| c.id).collect();
        let model_names: Vec<&str> = models.iter().map(|(m, _)| m.as_str()).collect();
        let embedded: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM kb_embeddings WHERE chunk_id = ANY($1) AND model = ANY($2)",
        )
        .bind(&ids)
        .bind(&model_names)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE kb_documents SET state = 'embedding', chunks_total = $2, chunks_embedded = $3, updated_at = now()
              WHERE id = $1",
        )
        .bind(document_id)
        .bind(i32::try_from(planned.len() * models.len()).unwrap_or(i32::MAX))
        .bind(i32::try_from(embedded).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Embeds, batch by batch, the planned chunks that have no vector under `model`;
    /// each batch is stored with its cost and the progress in one transaction.
    async fn embed_missing(
        &self,
        team_id: Uuid,
        document_id: Uuid,
        knowledge_base_id: Uuid,
        planned: &[Planned],
        model: &str,
        dimensions: i32,
    ) -> Result<(), Failure> {
        let ids: Vec<Uuid> = planned.iter().map(|c| c.id).collect();
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let have: Vec<Uuid> = sqlx::query_scalar(
            "SELECT chunk_id FROM kb_embeddings WHERE chunk_id = ANY($1) AND model = $2",
        )
        .bind(&ids)
        .bind(model)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let have: HashSet<Uuid> = have.into_iter().collect();
        let missing: Vec<&Planned> = planned.iter().filter(|c| !have.contains(&c.id)).collect();
        for batch in missing.chunks(BATCH) {
            let texts = batch.iter().map(|c| c.content.clone()).collect();
            let embedded = self.embedder.embed(team_id, model, texts).await?;
            let mut tx = self.leased(team_id, document_id).await?;
            store_vectors(
                &mut tx,
                team_id,
                knowledge_base_id,
                document_id,
                batch.iter().map(|c| c.id).collect(),
                &embedded,
                dimensions,
            )
            .await?;
            embedded.count(&mut tx, team_id).await?;
            sqlx::query(
                "UPDATE kb_documents
                    SET chunks_embedded = chunks_embedded + $2, cost_micro_usd = cost_micro_usd + $3,
                        lease_expires_at = now() + make_interval(secs => $4), updated_at = now()
                  WHERE id = $1",
            )
            .bind(document_id)
            .bind(i32::try_from(batch.len()).unwrap_or(i32::MAX))
            .bind(embedded.cost_micro_usd)
            .bind(LEASE_SECS)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The planned chunks replace the document's old ones for every search at once.
    /// If the knowledge base's chunking changed meanwhile, the document is queued again
    /// instead (it was split the old way).
    async fn go_live(
        &self,
        team_id: Uuid,
        document_id: Uuid,
        knowledge_base_id: Uuid,
        planned: &[Planned],
        sizing: Sizing,
        language: &str,
    ) -> Result<(), Failure> {
        let mut tx = self.leased(team_id, document_id).await?;
        let current: Option<(i32, i32, String)> = sqlx::query_as(
            "SELECT chunk_tokens, chunk_overlap, language::text FROM knowledge_bases WHERE id = $1 FOR SHARE",
        )
        .bind(knowledge_base_id)
        .fetch_optional(&mut *tx)
        .await?;
        let unchanged = current.is_some_and(|(tokens, overlap, lang)| {
            usize::try_from(tokens).ok() == Some(sizing.tokens)
                && usize::try_from(overlap).ok() == Some(sizing.overlap)
                && lang == language
        });
        if !unchanged {
            sqlx::query(
                "UPDATE kb_documents SET state = 'queued', attempts = 0, lease_owner = NULL,
                        lease_expires_at = NULL, updated_at = now() WHERE id = $1",
            )
            .bind(document_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(());
        }
        let ids: Vec<Uuid> = planned.iter().map(|c| c.id).collect();
        sqlx::query("DELETE FROM kb_chunks WHERE document_id = $1 AND NOT (id = ANY($2))")
            .bind(document_id)
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE kb_chunks SET live = true WHERE document_id = $1 AND NOT live")
            .bind(document_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE kb_embeddings SET live = true WHERE document_id = $1 AND NOT live")
            .bind(document_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE kb_documents
                SET state = 'ready', chunk_count = $2, failure = NULL, lease_owner = NULL,
                    lease_expires_at = NULL, indexed_at = now(), updated_at = now()
              WHERE id = $1",
        )
        .bind(document_id)
        .bind(i32::try_from(planned.len()).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A transaction as the team, holding the document's lease (renewed), or
    /// [`Failure::LeaseLost`] when another worker has it now.
    async fn leased(&self, team_id: Uuid, document_id: Uuid) -> Result<Tx, Failure> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let held = sqlx::query(
            "UPDATE kb_documents SET lease_expires_at = now() + make_interval(secs => $3)
              WHERE id = $1 AND lease_owner = $2",
        )
        .bind(document_id)
        .bind(&self.worker)
        .bind(LEASE_SECS)
        .execute(&mut *tx)
        .await?;
        if held.rows_affected() == 0 {
            return Err(Failure::LeaseLost);
        }
        Ok(tx)
    }

    /// Fails the document with its reason. Chunks of an earlier version stay live: a
    /// bad new upload does not take the old text out of searches.
    async fn fail(
        &self,
        team_id: Uuid,
        document_id: Uuid,
        reason: &str,
    ) -> Result<(), sqlx::Error> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        sqlx::query("DELETE FROM kb_chunks WHERE document_id = $1 AND NOT live")
            .bind(document_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE kb_documents
                SET state = 'failed', failure = left($3, 1000), lease_owner = NULL, lease_expires_at = NULL,
                    updated_at = now()
              WHERE id = $1 AND lease_owner = $2",
        )
        .bind(document_id)
        .bind(&self.worker)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// Leaves the document queued for a later attempt (its vectors so far are kept).
    async fn retry_later(&self, team_id: Uuid, document_id: Uuid) -> Result<(), sqlx::Error> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        // Not `queued` at once: the lease lapsing in a while is the back-off.
        sqlx::query(
            "UPDATE kb_documents SET lease_expires_at = now() + interval '15 seconds', updated_at = now()
              WHERE id = $1 AND lease_owner = $2",
        )
        .bind(document_id)
        .bind(&self.worker)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// One batch of a knowledge base's move to its next model; switches when none is
    /// left. The lease is given back after each batch, so other work interleaves.
    async fn reembed(&self, team_id: Uuid, knowledge_base_id: Uuid) -> Result<(), EmbedError> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let next: Option<(String, i32)> = sqlx::query_as(
            "SELECT next_embedding_model, next_dimensions FROM knowledge_bases
              WHERE id = $1 AND lease_owner = $2 AND next_embedding_model IS NOT NULL",
        )
        .bind(knowledge_base_id)
        .bind(&self.worker)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((model, dimensions)) = next else {
            return Ok(());
        };
        let missing: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
            "SELECT c.id, c.document_id, c.content FROM kb_chunks c
              WHERE c.knowledge_base_id = $1
                AND NOT EXISTS (SELECT 1 FROM kb_embeddings e WHERE e.chunk_id = c.id AND e.model = $2)
              ORDER BY c.id LIMIT $3",
        )
        .bind(knowledge_base_id)
        .bind(&model)
        .bind(i64::try_from(BATCH).unwrap_or(64))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let result = if missing.is_empty() {
            switch_model(&self.db, team_id, knowledge_base_id, &model).await
        } else {
            let texts = missing.iter().map(|(_, _, text)| text.clone()).collect();
            match self.embedder.embed(team_id, &model, texts).await {
                Ok(embedded) => {
                    let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
                    for ((chunk_id, document_id, _), vector) in
                        missing.iter().zip(&embedded.vectors)
                    {
                        sqlx::query(
                            "INSERT INTO kb_embeddings (chunk_id, model, team_id, knowledge_base_id, document_id, dimensions, live, embedding)
                             SELECT c.id, $2, c.team_id, c.knowledge_base_id, $3, $4, c.live, $5
                               FROM kb_chunks c WHERE c.id = $1
                             ON CONFLICT (chunk_id, model) DO NOTHING",
                        )
                        .bind(chunk_id)
                        .bind(&model)
                        .bind(document_id)
                        .bind(dimensions)
                        .bind(Vector::from(vector.clone()))
                        .execute(&mut *tx)
                        .await?;
                    }
                    embedded.count(&mut tx, team_id).await?;
                    tx.commit().await?;
                    Ok(())
                }
                Err(error) => Err(error),
            }
        };
        // Handed back whatever happened: the next claim continues at once (or retries in
        // a while).
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        sqlx::query(
            "UPDATE knowledge_bases SET lease_owner = NULL, lease_expires_at = CASE WHEN $3 THEN NULL ELSE now() + interval '15 seconds' END
              WHERE id = $1 AND lease_owner = $2",
        )
        .bind(knowledge_base_id)
        .bind(&self.worker)
        .bind(result.is_ok())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        result
    }
}

/// Stores a batch's vectors for the chunks (not live until their document is).
async fn store_vectors(
    tx: &mut Tx,
    team_id: Uuid,
    knowledge_base_id: Uuid,
    document_id: Uuid,
    chunk_ids: Vec<Uuid>,
    embedded: &Embedded,
    dimensions: i32,
) -> Result<(), sqlx::Error> {
    for (chunk_id, vector) in chunk_ids.into_iter().zip(&embedded.vectors) {
        sqlx::query(
            "INSERT INTO kb_embeddings (chunk_id, model, team_id, knowledge_base_id, document_id, dimensions, embedding)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (chunk_id, model) DO NOTHING",
        )
        .bind(chunk_id)
        .bind(embedded.model.name)
        .bind(team_id)
        .bind(knowledge_base_id)
        .bind(document_id)
        .bind(dimensions)
        .bind(Vector::from(vector.clone()))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Searches use the next model from now on; the old vectors go. Vectors stored while
/// their chunk was not yet live take the chunk's state first.
async fn switch_model(
    db: &PgPool,
    team_id: Uuid,
    knowledge_base_id: Uuid,
    model: &str,
) -> Result<(), EmbedError> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    sqlx::query(
        "UPDATE kb_embeddings e SET live = c.live FROM kb_chunks c
          WHERE e.chunk_id = c.id AND e.knowledge_base_id = $1 AND e.model = $2 AND e.live <> c.live",
    )
    .bind(knowledge_base_id)
    .bind(model)
    .execute(&mut *tx)
    .await?;
    let old: Option<String> = sqlx::query_scalar(
        "SELECT embedding_model FROM knowledge_bases WHERE id = $1 AND next_embedding_model = $2 FOR UPDATE",
    )
    .bind(knowledge_base_id)
    .bind(model)
    .fetch_optional(&mut *tx)
    .await?;
    // A document that went live since the last batch may have brought chunks without
    // the new model's vector: those are embedded first.
    let complete: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM kb_chunks c WHERE c.knowledge_base_id = $1
                 AND NOT EXISTS (SELECT 1 FROM kb_embeddings e WHERE e.chunk_id = c.id AND e.model = $2))",
    )
    .bind(knowledge_base_id)
    .bind(model)
    .fetch_one(&mut *tx)
    .await?;
    if !complete {
        return Ok(());
    }
    sqlx::query(
        "UPDATE knowledge_bases
            SET embedding_model = next_embedding_model, dimensions = next_dimensions,
                next_embedding_model = NULL, next_dimensions = NULL, updated_at = now()
          WHERE id = $1 AND next_embedding_model = $2",
    )
    .bind(knowledge_base_id)
    .bind(model)
    .execute(&mut *tx)
    .await?;
    if let Some(old) = old {
        sqlx::query("DELETE FROM kb_embeddings WHERE knowledge_base_id = $1 AND model = $2")
            .bind(knowledge_base_id)
            .bind(old)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
