//! Knowledge bases: a team's documents, chunked and embedded, that agents search and
//! cite; their pages (the list, one base with its documents and search playground, a
//! document's chunks).

mod document_page;
mod knowledge_base_page;
mod knowledge_page;
mod server_fns;
mod types;

pub use document_page::DocumentPage;
pub use knowledge_base_page::KnowledgeBasePage as KnowledgeBaseView;
pub use knowledge_page::KnowledgePage;
pub use server_fns::*;
pub use types::*;
