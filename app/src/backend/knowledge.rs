use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::error::AppError;
use crate::knowledge::{
    Chunk, Document, DocumentUpload, KnowledgeBase, KnowledgeBaseSettings, NewDocument, SearchHit,
    SearchRequest,
};

/// The team's knowledge bases, their documents and searches (any member).
#[async_trait]
pub trait Knowledge: Send + Sync + 'static {
    async fn list(&self, actor: &Actor) -> Result<Vec<KnowledgeBase>, AppError>;
    /// The embedding models the team can use, by name.
    async fn embedding_models(&self, actor: &Actor) -> Result<Vec<String>, AppError>;
    async fn create(
        &self,
        actor: &Actor,
        settings: &KnowledgeBaseSettings,
    ) -> Result<KnowledgeBase, AppError>;
    async fn get(&self, actor: &Actor, id: Uuid) -> Result<KnowledgeBase, AppError>;
    /// A new model re-embeds every chunk in the background; a new chunk size indexes
    /// every document again.
    async fn update(
        &self,
        actor: &Actor,
        id: Uuid,
        settings: &KnowledgeBaseSettings,
    ) -> Result<KnowledgeBase, AppError>;
    async fn delete(&self, actor: &Actor, id: Uuid) -> Result<(), AppError>;
    /// Newest first, `limit` of them after the document `after` (a page's last).
    async fn documents(
        &self,
        actor: &Actor,
        id: Uuid,
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<Document>, AppError>;
    /// Checks the content and queues it to be indexed (unless the knowledge base already
    /// holds the same bytes).
    async fn upload(
        &self,
        actor: &Actor,
        id: Uuid,
        document: NewDocument,
    ) -> Result<DocumentUpload, AppError>;
    /// Fetches a public address through the outbound guard, then as [`Knowledge::upload`].
    async fn import(
        &self,
        actor: &Actor,
        id: Uuid,
        url: &str,
        tags: Vec<String>,
    ) -> Result<DocumentUpload, AppError>;
    async fn document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Document, AppError>;
    async fn delete_document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<(), AppError>;
    /// Queues a document to be indexed again (one that failed, after a fix elsewhere).
    async fn reindex_document(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Document, AppError>;
    /// The document's live chunks, in order.
    async fn chunks(
        &self,
        actor: &Actor,
        id: Uuid,
        document_id: Uuid,
    ) -> Result<Vec<Chunk>, AppError>;
    async fn search(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &SearchRequest,
    ) -> Result<Vec<SearchHit>, AppError>;
}
