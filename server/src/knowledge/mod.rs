//! Knowledge bases: a team's documents, extracted, chunked and embedded by the workers
//! (`indexer`), searched by meaning and by words together (`search`), for agents to
//! answer from and cite. Everything is under the team's row-level security; another
//! team's knowledge base, document or chunk is a 404.

pub mod chunking;
pub mod embedder;
pub mod extract;
pub mod indexer;
pub mod search;

use std::sync::Arc;

use app::backend::Actor;
use app::error::AppError;
use app::knowledge::{
    Chunk, Document, DocumentState, DocumentUpload, KnowledgeBase, KnowledgeBaseSettings,
    MAX_DOCUMENT_BYTES, MAX_SEARCH_RESULTS, NewDocument, SearchHit, SearchRequest, UploadOutcome,
};
use app::spec::KnowledgeUse;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use self::embedder::Embedder;
use crate::db::tenant::{self, Tx};
use crate::engine::catalog::EMBEDDING_MODELS;
use crate::errors::ServerError;
use crate::gateway::Gateway;
use crate::ssrf::{GuardedHttp, OutboundRequest};

const DEFAULT_CHUNK_TOKENS: u32 = 400;
const DEFAULT_CHUNK_OVERLAP: u32 = 50;
const DEFAULT_RESULTS: u32 = 5;
const MAX_TAGS: usize = 20;

pub struct KnowledgeService {
    db: PgPool,
    gateway: Arc<Gateway>,
    embedder: Embedder,
    /// Fetches imported addresses through the SSRF guard.
    http: GuardedHttp,
    exact_below: i64,
}

#[derive(sqlx::FromRow)]
struct KnowledgeBaseRow {
    id: Uuid,
    name: String,
    description: String,
    embedding_model: String,
    dimensions: i32,
    next_embedding_model: Option<String>,
    chunk_tokens: i32,
    chunk_overlap: i32,
    language: String,
    documents: i64,
    indexing: i64,
    failed: i64,
    chunks: i64,
    created_at: DateTime<Utc>,
}

const KNOWLEDGE_BASE_SELECT: &str = "
    SELECT k.id, k.name, k.description, k.embedding_model, k.dimensions, k.next_embedding_model,
           k.chunk_tokens, k.chunk_overlap, k.language::text AS language, k.created_at,
           coalesce(d.documents, 0) AS documents, coalesce(d.indexing, 0) AS indexing,
           coalesce(d.failed, 0) AS failed, coalesce(d.chunks, 0) AS chunks
      FROM knowledge_bases k
      LEFT JOIN LATERAL (
           SELECT count(*) AS documents,
                  count(*) FILTER (WHERE state IN ('queued', 'extracting', 'embedding')) AS indexing,
                  count(*) FILTER (WHERE state = 'failed') AS failed,
                  sum(chunk_count)::bigint AS chunks
             FROM kb_documents WHERE knowledge_base_id = k.id) d ON true";

impl From<KnowledgeBaseRow> for KnowledgeBase {
    fn from(row: KnowledgeBaseRow) -> KnowledgeBase {
        KnowledgeBase {
            id: row.id,
            name: row.name,
            description: row.description,
            embedding_model: row.embedding_model,
            dimensions: u32::try_from(row.dimensions).unwrap_or_default(),
            next_embedding_model: row.next_embedding_model,
            chunk_tokens: u32::try_from(row.chunk_tokens).unwrap_or_default(),
            chunk_overlap: u32::try_from(row.chunk_overlap).unwrap_or_default(),
            language: row.language,
            documents: row.documents,
            indexing: row.indexing,
            failed: row.failed,
            chunks: row.chunks,
            created: crate::display::time(row.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: Uuid,
    knowledge_base_id: Uuid,
    name: String,
    source_url: Option<String>,
    media_type: String,
    bytes: i32,
    tags: Vec<String>,
    state: String,
    chunks_total: i32,
    chunks_embedded: i32,
    chunk_count: i32,
    failure: Option<String>,
    cost_micro_usd: i64,
    created_at: DateTime<Utc>,
    indexed_at: Option<DateTime<Utc>>,
}

const DOCUMENT_COLUMNS: &str =
    "id, knowledge_base_id, name, source_url, media_type, bytes, tags, state,
    chunks_total, chunks_embedded, chunk_count, failure, cost_micro_usd, created_at, indexed_at";

impl From<DocumentRow> for Document {
    fn from(row: DocumentRow) -> Document {
        Document {
            id: row.id,
            knowledge_base_id: row.knowledge_base_id,
            name: row.name,
            source_url: row.source_url,
            media_type: row.media_type,
            bytes: i64::from(row.bytes),
            tags: row.tags,
            state: DocumentState::parse(&row.state).unwrap_or(DocumentState::Failed),
            chunks_total: i64::from(row.chunks_total),
            chunks_embedded: i64::from(row.chunks_embedded),
            chunk_count: i64::from(row.chunk_count),
            failure: row.failure,
            cost_micro_usd: row.cost_micro_usd,
            created: crate::display::time(row.created_at),
            indexed: row.indexed_at.map(crate::display::time),
        }
    }
}

impl KnowledgeService {
    pub fn new(
        db: PgPool,
        gateway: Arc<Gateway>,
        http: GuardedHttp,
        exact_below: i64,
    ) -> KnowledgeService {
        KnowledgeService {
            embedder: Embedder::new(gateway.clone()),
            db,
            gateway,
            http,
            exact_below,
        }
    }

    pub fn embedder(&self) -> Embedder {
        self.embedder.clone()
    }

    pub async fn list(&self, actor: &Actor) -> Result<Vec<KnowledgeBase>, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let rows = sqlx::query_as::<_, KnowledgeBaseRow>(&format!(
            "{KNOWLEDGE_BASE_SELECT} ORDER BY k.name LIMIT 500"
        ))
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        Ok(rows.into_iter().map(KnowledgeBase::from).collect())
    }

    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<KnowledgeBase, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let found = fetch_knowledge_base(&mut tx, id).await?;
        tenant::done_reading(tx);
        Ok(found)
    }

    pub async fn create(
        &self,
        actor: &Actor,
        settings: &KnowledgeBaseSettings,
    ) -> Result<KnowledgeBase, ServerError> {
        let name = settings
            .name
            .as_deref()
            .ok_or_else(|| AppError::invalid("name", "Give the knowledge base a name."))?;
        check_name(name)?;
        let description = check_description(settings.description.as_deref().unwrap_or(""))?;
        let (model, dimensions) = match &settings.embedding_model {
            Some(model) => self.usable_model(actor.team_id, model).await?,
            None => self.default_model(actor.team_id).await?,
        };
        let tokens = settings.chunk_tokens.unwrap_or(DEFAULT_CHUNK_TOKENS);
        let overlap = settings
            .chunk_overlap
            .unwrap_or(DEFAULT_CHUNK_OVERLAP.min(tokens / 4));
        check_sizing(tokens, overlap)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let language =
            check_language(&mut tx, settings.language.as_deref().unwrap_or("english")).await?;
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO knowledge_bases (team_id, name, description, embedding_model, dimensions,
                                          chunk_tokens, chunk_overlap, language, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::regconfig, $9) RETURNING id",
        )
        .bind(actor.team_id)
        .bind(name)
        .bind(description)
        .bind(model)
        .bind(dimensions)
        .bind(i32::try_from(tokens).unwrap_or_default())
        .bind(i32::try_from(overlap).unwrap_or_default())
        .bind(language)
        .bind(actor.user_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(|error| name_taken(error, name))?;
        let created = fetch_knowledge_base(&mut tx, id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: Uuid,
        settings: &KnowledgeBaseSettings,
    ) -> Result<KnowledgeBase, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let current = fetch_knowledge_base_locked(&mut tx, id).await?;
        let name = settings.name.as_deref().unwrap_or(&current.name);
        check_name(name)?;
        let description = check_description(
            settings
                .description
                .as_deref()
                .unwrap_or(&current.description),
        )?;
        let tokens = settings.chunk_tokens.unwrap_or(current.chunk_tokens);
        let overlap = settings.chunk_overlap.unwrap_or(current.chunk_overlap);
        check_sizing(tokens, overlap)?;
        let language = match &settings.language {
            Some(language) => check_language(&mut tx, language).await?,
            None => current.language.clone(),
        };
        // A new model is embedded beside the current one; naming the current one
        // again calls off a move under way.
        let next = match &settings.embedding_model {
            Some(model) if *model == current.embedding_model => None,
            Some(model) => Some(self.usable_model(actor.team_id, model).await?),
            None => current.next_embedding_model.clone().map(|model| {
                let dimensions = dimensions_of(&model);
                (model, dimensions)
            }),
        };
        sqlx::query(
            "UPDATE knowledge_bases
                SET name = $2, description = $3, chunk_tokens = $4, chunk_overlap = $5,
                    language = $6::regconfig, next_embedding_model = $7, next_dimensions = $8,
                    updated_at = now()
              WHERE id = $1",
        )
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(i32::try_from(tokens).unwrap_or_default())
        .bind(i32::try_from(overlap).unwrap_or_default())
        .bind(&language)
        .bind(next.as_ref().map(|(model, _)| model.as_str()))
        .bind(next.as_ref().map(|(_, dimensions)| *dimensions))
        .execute(&mut *tx)
        .await
        .map_err(|error| name_taken(error, name))?;
        if tokens != current.chunk_tokens
            || overlap != current.chunk_overlap
            || language != current.language
        {
            // Split (or stemmed) differently: every document is indexed again, its
            // old chunks serving until then.
            sqlx::query(
                "UPDATE kb_documents SET state = 'queued', attempts = 0, updated_at = now()
                  WHERE knowledge_base_id = $1 AND state IN ('ready', 'failed')",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let updated = fetch_knowledge_base(&mut tx, id).await?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn delete(&self, actor: &Actor, id: Uuid) -> Result<(), ServerError> {
        let delete = sqlx::query("DELETE FROM knowledge_bases WHERE id = $1").bind(id);
        self.delete_one(actor, delete).await
    }

    /// Runs a delete as the actor: nothing deleted (no such row, or another team's) is
    /// a 404.
    async fn delete_one(
        &self,
        actor: &Actor,
        delete: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<(), ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        if delete.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        Ok(tx.commit().await?)
    }

    pub async fn documents(
        &self,
        actor: &Actor,
        id: Uuid,
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<Document>, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        fetch_knowledge_base(&mut tx, id).await?;
        let rows = sqlx::query_as::<_, DocumentRow>(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM kb_documents
              WHERE knowledge_base_id = $1
                AND ($2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM kb_documents WHERE id = $2))
              ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(id)
        .bind(after)
        .bind(i64::from(limit.clamp(1, 200)))
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        Ok(rows.into_iter().map(Document::from).collect())
    }

    pub async fn upload(
        &self,
        actor: &Actor,
        id: Uuid,
        document: NewDocument,
    ) -> Result<DocumentUpload, ServerError> {
        let name = check_document_name(&document.name)?;
        let tags = check_tags(&document.tags)?;
        let media = extract::sniff(&document.bytes, &name, document.declared_type.as_deref())
            .map_err(|unreadable| AppError::invalid("file", unreadable.to_string()))?;
        let hash = Sha256::digest(&document.bytes).to_vec();
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        // Locked, so two uploads of one name or one content do not race.
        sqlx::query("SELECT 1 FROM knowledge_bases WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
        let same: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM kb_documents WHERE knowledge_base_id = $1 AND content_sha256 = $2",
        )
        .bind(id)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let (outcome, document_id) = if let Some(same) = same {
            (UploadOutcome::Unchanged, same)
        } else {
            let replaced: Option<Uuid> = sqlx::query_scalar(
                "UPDATE kb_documents
                    SET content = $3, content_sha256 = $4, media_type = $5, bytes = $6, tags = $7,
                        source_url = $8, state = 'queued', attempts = 0, failure = NULL,
                        chunks_total = 0, chunks_embedded = 0, lease_owner = NULL,
                        lease_expires_at = NULL, updated_at = now()
                  WHERE knowledge_base_id = $1 AND name = $2 RETURNING id",
            )
            .bind(id)
            .bind(&name)
            .bind(&document.bytes)
            .bind(&hash)
            .bind(media.as_str())
            .bind(i32::try_from(document.bytes.len()).unwrap_or(i32::MAX))
            .bind(&tags)
            .bind(&document.source_url)
            .fetch_optional(&mut *tx)
            .await?;
            match replaced {
                Some(replaced) => (UploadOutcome::Replaced, replaced),
                None => {
                    let created: Uuid = sqlx::query_scalar(
                        "INSERT INTO kb_documents (team_id, knowledge_base_id, name, content, content_sha256,
                                                   media_type, bytes, tags, source_url, created_by)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    )
                    .bind(actor.team_id)
                    .bind(id)
                    .bind(&name)
                    .bind(&document.bytes)
                    .bind(&hash)
                    .bind(media.as_str())
                    .bind(i32::try_from(document.bytes.len()).unwrap_or(i32::MAX))
                    .bind(&tags)
                    .bind(&document.source_url)
                    .bind(actor.user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    (UploadOutcome::Created, created)
                }
            }
        };
        let document = fetch_document(&mut tx, id, document_id).await?;
        tx.commit().await?;
        Ok(DocumentUpload { outcome, document })
    }

    pub async fn import(
        &self,
        actor: &Actor,
        id: Uuid,
        url: &str,
        tags: Vec<String>,
    ) -> Result<DocumentUpload, ServerError> {
        if url.len() > 2000 {
            return Err(AppError::invalid("url", "An address has at most 2000 characters.").into());
        }
        // The knowledge base is checked first: a fetch for nothing is wasted.
        self.get(actor, id).await?;
        let response = self
            .http
            .send(OutboundRequest {
                method: reqwest::Method::GET,
                url: url.to_string(),
                headers: vec![(
                    "accept".into(),
                    "text/html, text/markdown, text/plain, application/pdf;q=0.9, */*;q=0.5".into(),
                )],
                body: None,
                follow_redirects: true,
            })
            .await
            .map_err(|error| AppError::invalid("url", format!("Could not fetch it: {error}.")))?;
        if !(200..300).contains(&response.status) {
            return Err(AppError::invalid(
                "url",
                format!("The address answered HTTP {}.", response.status),
            )
            .into());
        }
        if response.truncated {
            return Err(AppError::invalid(
                "url",
                extract::Unreadable::TooLarge(MAX_DOCUMENT_BYTES + 1).to_string(),
            )
            .into());
        }
        let declared = response
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let name: String = response.final_url.as_str().chars().take(300).collect();
        self.upload(
            actor,
            id,
            NewDocument {
                name,
                bytes: response.body.to_vec(),
                declared_type: declared,
                tags,
                source_url: Some(response.final_url.to_string()),
            },
        )
        .await
    }

    pub async fn document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Document, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let found = fetch_document(&mut tx, id, document_id).await?;
        tenant::done_reading(tx);
        Ok(found)
    }

    pub async fn delete_document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<(), ServerError> {
        let delete =
            sqlx::query("DELETE FROM kb_documents WHERE id = $1 AND knowledge_base_id = $2")
                .bind(document_id)
                .bind(id);
        self.delete_one(actor, delete).await
    }

    pub async fn reindex_document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Document, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let current = fetch_document(&mut tx, id, document_id).await?;
        if current.state.in_progress() {
            return Err(AppError::Conflict("The document is being indexed already.".into()).into());
        }
        sqlx::query(
            "UPDATE kb_documents SET state = 'queued', attempts = 0, failure = NULL, updated_at = now()
              WHERE id = $1",
        )
        .bind(document_id)
        .execute(&mut *tx)
        .await?;
        let document = fetch_document(&mut tx, id, document_id).await?;
        tx.commit().await?;
        Ok(document)
    }

    pub async fn chunks(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Vec<Chunk>, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        fetch_document(&mut tx, id, document_id).await?;
        let rows: Vec<(Uuid, i32, String, i32)> = sqlx::query_as(
            "SELECT id, position, content, tokens FROM kb_chunks
              WHERE document_id = $1 AND live ORDER BY position LIMIT 10000",
        )
        .bind(document_id)
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        Ok(rows
            .into_iter()
            .map(|(chunk_id, position, content, tokens)| Chunk {
                id: chunk_id,
                document_id,
                position,
                content,
                tokens,
            })
            .collect())
    }

    pub async fn search(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &SearchRequest,
    ) -> Result<Vec<SearchHit>, ServerError> {
        let text = request.query.trim();
        if text.is_empty() || text.chars().count() > 2000 {
            return Err(AppError::invalid("query", "Ask with 1 to 2000 characters.").into());
        }
        let k = request.k.unwrap_or(DEFAULT_RESULTS);
        if !(1..=MAX_SEARCH_RESULTS).contains(&k) {
            return Err(AppError::invalid(
                "k",
                format!("Ask for 1 to {MAX_SEARCH_RESULTS} chunks."),
            )
            .into());
        }
        let tags = check_tags(&request.tags)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let target = search_target(&mut tx, id, self.exact_below).await?;
        let documents = documents_filter(&mut tx, id, &request.documents, &tags).await?;
        tenant::done_reading(tx);
        let query = search::Query {
            text: text.to_string(),
            vector: Vec::new(),
            retrieval: request.retrieval,
            k,
            documents,
        };
        self.run_search(actor.team_id, &target, query).await
    }

    /// Embeds the query unless only words are searched (its cost counted), then
    /// searches as the team.
    pub async fn run_search(
        &self,
        team_id: Uuid,
        target: &search::Target,
        mut query: search::Query,
    ) -> Result<Vec<SearchHit>, ServerError> {
        if query.documents.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let embedded = match query.retrieval.by_meaning() {
            true => Some(
                self.embedder
                    .embed(team_id, &target.model, vec![query.text.clone()])
                    .await
                    .map_err(|error| match error {
                        embedder::EmbedError::Database(error) => ServerError::Database(error),
                        other => {
                            AppError::Unavailable(format!("Search is unavailable: {other}.")).into()
                        }
                    })?,
            ),
            false => None,
        };
        let mut tx = tenant::begin(&self.db, tenant::Tenant::team(team_id)).await?;
        if let Some(embedded) = embedded {
            embedded.count(&mut tx, team_id).await?;
            query.vector = embedded.vectors.into_iter().next().unwrap_or_default();
        }
        let hits = search::top_k(&mut tx, target, &query).await?;
        tx.commit().await?;
        Ok(hits)
    }

    /// The model named, if the team can embed with it, and its vectors' length.
    async fn usable_model(&self, team_id: Uuid, model: &str) -> Result<(String, i32), ServerError> {
        match self.gateway.embedding_model(team_id, model).await {
            Ok((model, _)) => Ok((model.name.to_string(), i32::try_from(model.dimensions).unwrap_or_default())),
            Err(crate::gateway::Refusal::Database(error)) => Err(error.into()),
            Err(_) => Err(AppError::invalid(
                "embedding_model",
                format!("{model} is not an embedding model the team can use: GET /v1/models lists them (set up their provider in Settings → Providers)."),
            )
            .into()),
        }
    }

    /// The first embedding model of the catalogue the team can use.
    async fn default_model(&self, team_id: Uuid) -> Result<(String, i32), ServerError> {
        for model in EMBEDDING_MODELS {
            if let Ok(found) = self.usable_model(team_id, model.name).await {
                return Ok(found);
            }
        }
        Err(AppError::invalid(
            "embedding_model",
            "No embedding model is available to the team: set up a provider that has one (OpenAI, or a local server) in Settings → Providers.",
        )
        .into())
    }
}

/// What a search of the knowledge base needs, under the caller's tenancy (404 when it
/// is not the team's).
pub async fn search_target(
    tx: &mut Tx,
    id: Uuid,
    exact_below: i64,
) -> Result<search::Target, ServerError> {
    let row: Option<(String, i32, String, i64)> = sqlx::query_as(
        "SELECT k.embedding_model, k.dimensions, k.language::text,
                (SELECT coalesce(sum(chunk_count), 0)::bigint FROM kb_documents WHERE knowledge_base_id = k.id)
           FROM knowledge_bases k WHERE k.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let (model, dimensions, language, chunks) = row.ok_or(AppError::NotFound)?;
    Ok(search::Target {
        knowledge_base_id: id,
        model,
        dimensions,
        language,
        chunks,
        exact_below,
    })
}

/// The documents a search is limited to: those named, of those the ones with one of
/// the tags; `None` when neither is given.
async fn documents_filter(
    tx: &mut Tx,
    id: Uuid,
    documents: &[Uuid],
    tags: &[String],
) -> Result<Option<Vec<Uuid>>, ServerError> {
    if documents.is_empty() && tags.is_empty() {
        return Ok(None);
    }
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM kb_documents
          WHERE knowledge_base_id = $1
            AND (cardinality($2::uuid[]) = 0 OR id = ANY($2))
            AND (cardinality($3::text[]) = 0 OR tags && $3)",
    )
    .bind(id)
    .bind(documents)
    .bind(tags)
    .fetch_all(&mut **tx)
    .await?;
    Ok(Some(ids))
}

async fn fetch_knowledge_base(tx: &mut Tx, id: Uuid) -> Result<KnowledgeBase, ServerError> {
    let row =
        sqlx::query_as::<_, KnowledgeBaseRow>(&format!("{KNOWLEDGE_BASE_SELECT} WHERE k.id = $1"))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(AppError::NotFound)?;
    Ok(row.into())
}

async fn fetch_knowledge_base_locked(tx: &mut Tx, id: Uuid) -> Result<KnowledgeBase, ServerError> {
    sqlx::query("SELECT 1 FROM knowledge_bases WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(AppError::NotFound)?;
    fetch_knowledge_base(tx, id).await
}

async fn fetch_document(tx: &mut Tx, id: Uuid, document_id: Uuid) -> Result<Document, ServerError> {
    let row = sqlx::query_as::<_, DocumentRow>(&format!(
        "SELECT {DOCUMENT_COLUMNS} FROM kb_documents WHERE id = $1 AND knowledge_base_id = $2"
    ))
    .bind(document_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(row.into())
}

fn dimensions_of(model: &str) -> i32 {
    EMBEDDING_MODELS
        .iter()
        .find(|m| m.name == model)
        .map_or(0, |m| i32::try_from(m.dimensions).unwrap_or_default())
}

fn check_name(name: &str) -> Result<(), AppError> {
    let fits = (1..=63).contains(&name.len())
        && name.chars().enumerate().all(|(i, c)| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || (i > 0 && (c == '-' || c == '_'))
        });
    if fits {
        Ok(())
    } else {
        Err(AppError::invalid(
            "name",
            "Use 1 to 63 lower-case letters, digits, - and _, starting with a letter or a digit (specs name it in `knowledge:`).",
        ))
    }
}

fn check_description(description: &str) -> Result<&str, AppError> {
    if description.chars().count() > 1000 {
        return Err(AppError::invalid("description", "At most 1000 characters."));
    }
    Ok(description)
}

fn check_sizing(tokens: u32, overlap: u32) -> Result<(), AppError> {
    if !(50..=2000).contains(&tokens) {
        return Err(AppError::invalid(
            "chunk_tokens",
            "Chunks have 50 to 2000 tokens.",
        ));
    }
    if overlap >= tokens {
        return Err(AppError::invalid(
            "chunk_overlap",
            "The overlap must be smaller than the chunk.",
        ));
    }
    Ok(())
}

/// A text-search configuration the database has (`english`, `simple`, …).
async fn check_language(tx: &mut Tx, language: &str) -> Result<String, ServerError> {
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = $1)")
            .bind(language)
            .fetch_one(&mut **tx)
            .await?;
    if known {
        Ok(language.to_string())
    } else {
        Err(AppError::invalid(
            "language",
            format!("{language} is not a text-search language here: use english, simple (no stemming), german, french, spanish…"),
        )
        .into())
    }
}

fn check_document_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 300 || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "A document's name has 1 to 300 characters and no control characters.",
        ));
    }
    Ok(name.to_string())
}

fn check_tags(tags: &[String]) -> Result<Vec<String>, AppError> {
    let mut checked: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > 50 || tag.chars().any(char::is_control) {
            return Err(AppError::invalid("tags", "A tag has 1 to 50 characters."));
        }
        if !checked.iter().any(|t| t == tag) {
            checked.push(tag.to_string());
        }
    }
    if checked.len() > MAX_TAGS {
        return Err(AppError::invalid(
            "tags",
            format!("At most {MAX_TAGS} tags."),
        ));
    }
    Ok(checked)
}

fn name_taken(error: sqlx::Error, name: &str) -> ServerError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Conflict(format!(
            "The team has a knowledge base named {name} already."
        ))
        .into(),
        _ => error.into(),
    }
}

#[async_trait::async_trait]
impl app::backend::Knowledge for KnowledgeService {
    async fn list(&self, actor: &Actor) -> Result<Vec<KnowledgeBase>, AppError> {
        Ok(KnowledgeService::list(self, actor).await?)
    }
    async fn embedding_models(&self, actor: &Actor) -> Result<Vec<String>, AppError> {
        let mut usable = Vec::new();
        for model in EMBEDDING_MODELS {
            if self.usable_model(actor.team_id, model.name).await.is_ok() {
                usable.push(model.name.to_string());
            }
        }
        Ok(usable)
    }
    async fn create(
        &self,
        actor: &Actor,
        settings: &KnowledgeBaseSettings,
    ) -> Result<KnowledgeBase, AppError> {
        Ok(KnowledgeService::create(self, actor, settings).await?)
    }
    async fn get(&self, actor: &Actor, id: Uuid) -> Result<KnowledgeBase, AppError> {
        Ok(KnowledgeService::get(self, actor, id).await?)
    }
    async fn update(
        &self,
        actor: &Actor,
        id: Uuid,
        settings: &KnowledgeBaseSettings,
    ) -> Result<KnowledgeBase, AppError> {
        Ok(KnowledgeService::update(self, actor, id, settings).await?)
    }
    async fn delete(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        Ok(KnowledgeService::delete(self, actor, id).await?)
    }
    async fn documents(
        &self,
        actor: &Actor,
        id: Uuid,
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<Document>, AppError> {
        Ok(KnowledgeService::documents(self, actor, id, limit, after).await?)
    }
    async fn upload(
        &self,
        actor: &Actor,
        id: Uuid,
        document: NewDocument,
    ) -> Result<DocumentUpload, AppError> {
        Ok(KnowledgeService::upload(self, actor, id, document).await?)
    }
    async fn import(
        &self,
        actor: &Actor,
        id: Uuid,
        url: &str,
        tags: Vec<String>,
    ) -> Result<DocumentUpload, AppError> {
        Ok(KnowledgeService::import(self, actor, id, url, tags).await?)
    }
    async fn document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Document, AppError> {
        Ok(KnowledgeService::document(self, actor, id, document_id).await?)
    }
    async fn delete_document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<(), AppError> {
        Ok(KnowledgeService::delete_document(self, actor, id, document_id).await?)
    }
    async fn reindex_document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Document, AppError> {
        Ok(KnowledgeService::reindex_document(self, actor, id, document_id).await?)
    }
    async fn chunks(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Vec<Chunk>, AppError> {
        Ok(KnowledgeService::chunks(self, actor, id, document_id).await?)
    }
    async fn search(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &SearchRequest,
    ) -> Result<Vec<SearchHit>, AppError> {
        Ok(KnowledgeService::search(self, actor, id, request).await?)
    }
}

/// One team's knowledge bases as its runs search them (`knowledge_search`).
struct TeamKnowledge {
    service: Arc<KnowledgeService>,
    team_id: Uuid,
}

impl KnowledgeService {
    pub fn for_team(
        self: &Arc<Self>,
        team_id: Uuid,
    ) -> crate::engine::tools::knowledge::SharedKnowledgeSearch {
        Arc::new(TeamKnowledge {
            service: Arc::clone(self),
            team_id,
        })
    }

    /// The best passages of the team's knowledge bases a spec names, as many and ranked
    /// as it says, their hits fused by score.
    async fn search_named(
        &self,
        team_id: Uuid,
        use_: &KnowledgeUse,
        query: &str,
    ) -> Result<Vec<SearchHit>, ServerError> {
        let (bases, k) = (&use_.bases, use_.results);
        let mut tx = tenant::begin(&self.db, tenant::Tenant::team(team_id)).await?;
        let found: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT id, name FROM knowledge_bases WHERE name = ANY($1)")
                .bind(bases)
                .fetch_all(&mut *tx)
                .await?;
        if let Some(missing) = bases
            .iter()
            .find(|name| !found.iter().any(|(_, n)| n == *name))
        {
            return Err(AppError::invalid(
                "knowledge",
                format!("The team has no knowledge base named `{missing}` (renamed or deleted since the spec was saved?)."),
            )
            .into());
        }
        let mut targets = Vec::new();
        for (id, _) in &found {
            targets.push(search_target(&mut tx, *id, self.exact_below).await?);
        }
        tenant::done_reading(tx);
        let mut hits = Vec::new();
        for target in &targets {
            let query = search::Query {
                text: query.to_string(),
                vector: Vec::new(),
                retrieval: use_.retrieval,
                k,
                documents: None,
            };
            hits.extend(self.run_search(team_id, target, query).await?);
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(k as usize);
        Ok(hits)
    }
}

#[async_trait::async_trait]
impl crate::engine::tools::knowledge::KnowledgeSearch for TeamKnowledge {
    async fn search(&self, use_: &KnowledgeUse, query: &str) -> Result<Vec<SearchHit>, String> {
        self.service
            .search_named(self.team_id, use_, query)
            .await
            .map_err(|error| match AppError::from(error) {
                AppError::Invalid { message, .. } | AppError::Unavailable(message) => message,
                _ => "The knowledge bases could not be searched just now.".to_string(),
            })
    }
}
