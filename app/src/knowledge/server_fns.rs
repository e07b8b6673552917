//! Thin transports over the backend's knowledge operations, for the knowledge pages.
//! Uploads are not here: a file goes to `POST /knowledge/{id}/upload` as a plain
//! multipart form (the server answers with a redirect back to the page).

use leptos::prelude::*;
use uuid::Uuid;

use super::{Chunk, Document, DocumentUpload, KnowledgeBase, Retrieval, SearchHit};
use crate::error::AppError;

/// A knowledge base and the first page of its documents, for its page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KnowledgeBaseOverview {
    pub knowledge_base: KnowledgeBase,
    pub documents: Vec<Document>,
    /// The embedding models the team can move it to.
    pub models: Vec<String>,
}

/// Documents on a knowledge base's page.
pub const PAGE_SIZE: u32 = 50;

#[server(prefix = "/api", endpoint = "knowledge/list")]
pub async fn list_knowledge_bases() -> Result<Vec<KnowledgeBase>, AppError> {
    use crate::backend;
    backend::respond(async { backend::knowledge()?.list(&backend::actor().await?).await }.await)
}

/// Creates a knowledge base from the page's form and opens it.
#[server(prefix = "/api", endpoint = "knowledge/create")]
pub async fn create_knowledge_base(
    name: String,
    #[server(default)] description: String,
    #[server(default)] chunk_tokens: Option<u32>,
) -> Result<KnowledgeBase, AppError> {
    use super::KnowledgeBaseSettings;
    use crate::backend;
    let settings = KnowledgeBaseSettings {
        name: Some(name.trim().to_string()),
        description: Some(description.clone()),
        chunk_tokens,
        ..KnowledgeBaseSettings::default()
    };
    let created = async {
        backend::knowledge()?
            .create(&backend::actor().await?, &settings)
            .await
    }
    .await;
    if let Ok(created) = &created {
        leptos_axum::redirect(&format!("/knowledge/{}", created.id));
    }
    backend::respond_to_form(created, &[("name", &name), ("description", &description)])
}

#[server(prefix = "/api", endpoint = "knowledge/page")]
pub async fn load_knowledge_base(
    id: Uuid,
    #[server(default)] after: Option<Uuid>,
) -> Result<KnowledgeBaseOverview, AppError> {
    use crate::backend;
    backend::respond(
        async {
            let actor = backend::actor().await?;
            let knowledge = backend::knowledge()?;
            let knowledge_base = knowledge.get(&actor, id).await?;
            let documents = knowledge.documents(&actor, id, PAGE_SIZE, after).await?;
            let models = knowledge.embedding_models(&actor).await?;
            Ok(KnowledgeBaseOverview {
                knowledge_base,
                documents,
                models,
            })
        }
        .await,
    )
}

/// Changes the knowledge base's model or chunk size from its settings form.
#[server(prefix = "/api", endpoint = "knowledge/update")]
pub async fn update_knowledge_base(
    id: Uuid,
    embedding_model: String,
    chunk_tokens: u32,
    chunk_overlap: u32,
) -> Result<KnowledgeBase, AppError> {
    use super::KnowledgeBaseSettings;
    use crate::backend;
    let settings = KnowledgeBaseSettings {
        embedding_model: Some(embedding_model),
        chunk_tokens: Some(chunk_tokens),
        chunk_overlap: Some(chunk_overlap),
        ..KnowledgeBaseSettings::default()
    };
    backend::respond(
        async {
            backend::knowledge()?
                .update(&backend::actor().await?, id, &settings)
                .await
        }
        .await,
    )
}

/// Deletes the knowledge base once its name is typed to confirm.
#[server(prefix = "/api", endpoint = "knowledge/delete")]
pub async fn delete_knowledge_base(id: Uuid, confirm: String) -> Result<(), AppError> {
    use crate::backend;
    let deleted = async {
        let actor = backend::actor().await?;
        let knowledge = backend::knowledge()?;
        if knowledge.get(&actor, id).await?.name != confirm.trim() {
            return Err(AppError::invalid(
                "confirm",
                "Type the knowledge base's name to delete it with its documents.",
            ));
        }
        knowledge.delete(&actor, id).await
    }
    .await;
    if deleted.is_ok() {
        leptos_axum::redirect("/knowledge");
    }
    backend::respond(deleted)
}

/// Imports an address from the page's form; the outcome comes back once.
#[server(prefix = "/api", endpoint = "knowledge/import")]
pub async fn import_document(id: Uuid, url: String) -> Result<DocumentUpload, AppError> {
    use crate::backend;
    let imported = async {
        backend::knowledge()?
            .import(&backend::actor().await?, id, url.trim(), Vec::new())
            .await
    }
    .await;
    backend::respond_in_place_to_form("document-upload", imported, &[("url", &url)])
}

#[server(prefix = "/api", endpoint = "knowledge/delete-document")]
pub async fn delete_document(id: Uuid, document: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::knowledge()?
                .delete_document(&backend::actor().await?, id, document)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "knowledge/reindex")]
pub async fn reindex_document(id: Uuid, document: Uuid) -> Result<Document, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::knowledge()?
                .reindex_document(&backend::actor().await?, id, document)
                .await
        }
        .await,
    )
}

/// A document and its chunks, for the chunk viewer.
#[server(prefix = "/api", endpoint = "knowledge/document")]
pub async fn document_chunks(id: Uuid, document: Uuid) -> Result<(Document, Vec<Chunk>), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let actor = backend::actor().await?;
            let knowledge = backend::knowledge()?;
            let found = knowledge.document(&actor, id, document).await?;
            let chunks = knowledge.chunks(&actor, id, document).await?;
            Ok((found, chunks))
        }
        .await,
    )
}

/// The search playground: what an agent would retrieve for `query`, and why.
#[server(prefix = "/api", endpoint = "knowledge/search")]
pub async fn search_knowledge_base(
    id: Uuid,
    query: String,
    k: u32,
    retrieval: Retrieval,
) -> Result<Vec<SearchHit>, AppError> {
    use super::SearchRequest;
    use crate::backend;
    let request = SearchRequest {
        query,
        k: Some(k),
        retrieval,
        ..SearchRequest::default()
    };
    backend::respond(
        async {
            backend::knowledge()?
                .search(&backend::actor().await?, id, &request)
                .await
        }
        .await,
    )
}
