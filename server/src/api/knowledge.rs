//! `/v1/knowledge-bases`: knowledge bases, their documents (uploaded as multipart or
//! imported from an address), chunks, and search. Reads take the read scope, changes
//! the run scope. Uploads need no `Idempotency-Key`: the same bytes twice are one
//! document.

use app::api_keys::Scope;
use app::knowledge::{
    Chunk, Document, DocumentImport, DocumentUpload, KnowledgeBase, KnowledgeBaseSettings,
    NewDocument, SearchHit, SearchRequest, UploadOutcome,
};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path, Query};
use super::problem::{FieldProblem, Problem};
use super::responses::{BadBody, Conflict, Invalid, NotFound, Refusals, Replays};
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/knowledge-bases", operation_id = "listKnowledgeBases", tag = "Knowledge", summary = "List knowledge bases", description = "By name, with their documents' counts. Scope: read.", responses((status = 200, body = Vec<KnowledgeBase>), Refusals))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<KnowledgeBase>>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.knowledge.list(&caller.actor).await?))
}

#[utoipa::path(post, path = "/v1/knowledge-bases", operation_id = "createKnowledgeBase", tag = "Knowledge", summary = "Create a knowledge base", description = "`name` is required; the embedding model defaults to the first the team can use, chunks to 400 tokens with 50 of overlap, the language to `english`. 409 when the team has one of that name. Scope: run.", request_body = KnowledgeBaseSettings, responses((status = 201, body = KnowledgeBase), Invalid, Refusals, BadBody, Replays))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(settings): Body<KnowledgeBaseSettings>,
) -> Result<(StatusCode, Json<KnowledgeBase>), Problem> {
    caller.require(Scope::Run)?;
    Ok((
        StatusCode::CREATED,
        Json(state.knowledge.create(&caller.actor, &settings).await?),
    ))
}

#[utoipa::path(get, path = "/v1/knowledge-bases/{id}", operation_id = "getKnowledgeBase", tag = "Knowledge", summary = "Get a knowledge base", description = "Scope: read.", params(("id" = Uuid, Path, description = "The knowledge base")), responses((status = 200, body = KnowledgeBase), Invalid, NotFound, Refusals))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<KnowledgeBase>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.knowledge.get(&caller.actor, id).await?))
}

#[utoipa::path(patch, path = "/v1/knowledge-bases/{id}", operation_id = "updateKnowledgeBase", tag = "Knowledge", summary = "Change a knowledge base", description = "Settings left out keep their value. A new `embedding_model` re-embeds every chunk in the background while searches keep the current vectors, then switches at once (`next_embedding_model` shows the move); a new chunk size, overlap or language indexes every document again, their old chunks serving until then. Scope: run.", params(("id" = Uuid, Path, description = "The knowledge base")), request_body = KnowledgeBaseSettings, responses((status = 200, body = KnowledgeBase), Invalid, NotFound, Conflict, Refusals, BadBody))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Body(settings): Body<KnowledgeBaseSettings>,
) -> Result<Json<KnowledgeBase>, Problem> {
    caller.require(Scope::Run)?;
    Ok(Json(
        state.knowledge.update(&caller.actor, id, &settings).await?,
    ))
}

#[utoipa::path(delete, path = "/v1/knowledge-bases/{id}", operation_id = "deleteKnowledgeBase", tag = "Knowledge", summary = "Delete a knowledge base", description = "With its documents, chunks and vectors. Scope: run.", params(("id" = Uuid, Path, description = "The knowledge base")), responses((status = 204, description = "Deleted"), Invalid, NotFound, Refusals))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::Run)?;
    state.knowledge.delete(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentsQuery {
    /// 1 to 200 (50 when left out).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// The last document of the previous page: the page after it.
    after: Option<Uuid>,
}

#[utoipa::path(get, path = "/v1/knowledge-bases/{id}/documents", operation_id = "listDocuments", tag = "Knowledge", summary = "List documents", description = "Newest first, with each one's state (`queued`, `extracting`, `embedding`, `ready`, `failed` with its `failure`) and progress (`chunks_embedded` of `chunks_total`). Page with `after`. Scope: read.", params(("id" = Uuid, Path, description = "The knowledge base"), DocumentsQuery), responses((status = 200, body = Vec<Document>), Invalid, NotFound, Refusals))]
pub async fn documents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(query): Query<DocumentsQuery>,
) -> Result<Json<Vec<Document>>, Problem> {
    caller.require(Scope::Read)?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Problem::invalid(vec![FieldProblem::new(
            "limit",
            "Ask for 1 to 200.",
        )]));
    }
    Ok(Json(
        state
            .knowledge
            .documents(&caller.actor, id, limit, query.after)
            .await?,
    ))
}

/// The upload form (`multipart/form-data`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    /// The document: PDF, Word (.docx), Markdown, HTML or plain text (UTF-8), at most
    /// 16 MB. What it is
    /// is read from its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Its name (the file's name when left out). A document of the same name is
    /// replaced.
    name: Option<String>,
    /// Tags to filter searches by: the field repeated, or one comma-separated.
    tags: Option<String>,
}

#[utoipa::path(post, path = "/v1/knowledge-bases/{id}/documents", operation_id = "uploadDocument", tag = "Knowledge", summary = "Upload a document", description = "Queues it to be indexed by the workers and answers at once: poll the document (or list) for its state. 201 for a new document; 200 with `outcome: replaced` when one of the same name had other content (its unchanged passages keep their chunk ids), or `outcome: unchanged` when the knowledge base already holds these bytes (nothing changes). 422 for an empty, unreadable, other zipped or too large file. Scope: run.", params(("id" = Uuid, Path, description = "The knowledge base")), request_body(content = inline(UploadForm), content_type = "multipart/form-data"), responses((status = 201, body = DocumentUpload), (status = 200, body = DocumentUpload), Invalid, NotFound, Refusals, BadBody))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<DocumentUpload>), Problem> {
    caller.require(Scope::Run)?;
    let multipart = multipart.map_err(|rejection| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad-body",
            "The request body cannot be used",
            format!(
                "Send the document as multipart/form-data, in a `file` field ({}).",
                rejection.body_text()
            ),
        )
    })?;
    let document = read_upload(multipart).await?;
    let uploaded = state.knowledge.upload(&caller.actor, id, document).await?;
    Ok((status_of(&uploaded), Json(uploaded)))
}

#[utoipa::path(post, path = "/v1/knowledge-bases/{id}/documents/import", operation_id = "importDocument", tag = "Knowledge", summary = "Import a document from an address", description = "Fetched through the outbound guard (a public address only; redirects followed; at most 16 MB), then as an upload named by its address. Scope: run.", params(("id" = Uuid, Path, description = "The knowledge base")), request_body = DocumentImport, responses((status = 201, body = DocumentUpload), (status = 200, body = DocumentUpload), Invalid, NotFound, Refusals, BadBody))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Body(import): Body<DocumentImport>,
) -> Result<(StatusCode, Json<DocumentUpload>), Problem> {
    caller.require(Scope::Run)?;
    let uploaded = state
        .knowledge
        .import(&caller.actor, id, &import.url, import.tags)
        .await?;
    Ok((status_of(&uploaded), Json(uploaded)))
}

#[utoipa::path(get, path = "/v1/knowledge-bases/{id}/documents/{document_id}", operation_id = "getDocument", tag = "Knowledge", summary = "Get a document", description = "Its state and progress. Scope: read.", params(("id" = Uuid, Path, description = "The knowledge base"), ("document_id" = Uuid, Path, description = "The document")), responses((status = 200, body = Document), Invalid, NotFound, Refusals))]
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<Document>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(
        state
            .knowledge
            .document(&caller.actor, id, document_id)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/v1/knowledge-bases/{id}/documents/{document_id}", operation_id = "deleteDocument", tag = "Knowledge", summary = "Delete a document", description = "With its chunks: searches stop finding it at once. Scope: run.", params(("id" = Uuid, Path, description = "The knowledge base"), ("document_id" = Uuid, Path, description = "The document")), responses((status = 204, description = "Deleted"), Invalid, NotFound, Refusals))]
pub async fn delete_document(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::Run)?;
    state
        .knowledge
        .delete_document(&caller.actor, id, document_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/knowledge-bases/{id}/documents/{document_id}/reindex", operation_id = "reindexDocument", tag = "Knowledge", summary = "Index a document again", description = "Queues it (a failed one, say, once its embedding model's provider is set up). 409 while it is being indexed. Scope: run.", params(("id" = Uuid, Path, description = "The knowledge base"), ("document_id" = Uuid, Path, description = "The document")), responses((status = 202, body = Document), Invalid, NotFound, Refusals, Replays))]
pub async fn reindex(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<(StatusCode, Json<Document>), Problem> {
    caller.require(Scope::Run)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(
            state
                .knowledge
                .reindex_document(&caller.actor, id, document_id)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/v1/knowledge-bases/{id}/documents/{document_id}/chunks", operation_id = "listChunks", tag = "Knowledge", summary = "A document's chunks", description = "In order, as searches see them. A chunk's id stays while its text does, across re-indexing. Scope: read.", params(("id" = Uuid, Path, description = "The knowledge base"), ("document_id" = Uuid, Path, description = "The document")), responses((status = 200, body = Vec<Chunk>), Invalid, NotFound, Refusals))]
pub async fn chunks(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<Vec<Chunk>>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(
        state
            .knowledge
            .chunks(&caller.actor, id, document_id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/v1/knowledge-bases/{id}/search", operation_id = "searchKnowledgeBase", tag = "Knowledge", summary = "Search a knowledge base", description = "Hybrid by default: the chunks nearest the query's meaning (vectors) and those matching its words (full text), fused by reciprocal rank; each hit says where it ranked in each. `retrieval` set to `semantic` uses the vectors alone, `keyword` the words alone (then the query is not embedded). Limited to `documents` and to documents with one of `tags` when given. The query's embedding is counted in usage. Scope: read.", params(("id" = Uuid, Path, description = "The knowledge base")), request_body = SearchRequest, responses((status = 200, body = Vec<SearchHit>), Invalid, NotFound, Refusals, BadBody))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Body(request): Body<SearchRequest>,
) -> Result<Json<Vec<SearchHit>>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(
        state.knowledge.search(&caller.actor, id, &request).await?,
    ))
}

fn status_of(uploaded: &DocumentUpload) -> StatusCode {
    match uploaded.outcome {
        UploadOutcome::Created => StatusCode::CREATED,
        UploadOutcome::Replaced | UploadOutcome::Unchanged => StatusCode::OK,
    }
}

/// The form's fields: `file` (required), `name`, `tags`.
pub(crate) async fn read_upload(mut multipart: Multipart) -> Result<NewDocument, Problem> {
    let mut document = NewDocument::default();
    let mut file = false;
    let mut name = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_problem)? {
        match field.name().unwrap_or_default() {
            "file" => {
                file = true;
                document.name = field.file_name().unwrap_or_default().to_string();
                document.declared_type = field.content_type().map(str::to_string);
                document.bytes = field.bytes().await.map_err(multipart_problem)?.to_vec();
            }
            "name" => name = Some(field.text().await.map_err(multipart_problem)?),
            "tags" => {
                let text = field.text().await.map_err(multipart_problem)?;
                document.tags.extend(
                    text.split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string),
                );
            }
            other => {
                return Err(Problem::invalid(vec![FieldProblem::new(
                    other,
                    "Unknown field: send file, name and tags.",
                )]));
            }
        }
    }
    if !file {
        return Err(Problem::invalid(vec![FieldProblem::new(
            "file",
            "Attach the document as the form's `file` field.",
        )]));
    }
    if let Some(name) = name {
        document.name = name;
    }
    Ok(document)
}

fn multipart_problem(error: axum::extract::multipart::MultipartError) -> Problem {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Problem::body_too_large();
    }
    Problem::new(
        StatusCode::BAD_REQUEST,
        "bad-body",
        "The request body cannot be used",
        format!("The form could not be read: {}", error.body_text()),
    )
}
