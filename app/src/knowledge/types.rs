use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most bytes one document may have.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// The most chunks a search returns.
pub const MAX_SEARCH_RESULTS: u32 = 50;

/// A knowledge base, with what is in it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeBase {
    pub id: Uuid,
    /// What a spec's `knowledge:` names.
    pub name: String,
    pub description: String,
    /// The model whose vectors searches use.
    pub embedding_model: String,
    pub dimensions: u32,
    /// While set, the chunks are being embedded with this model; searches switch to it
    /// when every chunk has its vector.
    pub next_embedding_model: Option<String>,
    /// Chunks' size and overlap, in tokens.
    pub chunk_tokens: u32,
    pub chunk_overlap: u32,
    /// The text-search configuration (`english`, `simple`, `german`…).
    pub language: String,
    pub documents: i64,
    /// Documents queued or being indexed.
    pub indexing: i64,
    pub failed: i64,
    /// Live chunks, every document together.
    pub chunks: i64,
    pub created: String,
}

/// A knowledge base as the agent builder offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeChoice {
    pub name: String,
    pub documents: i64,
    pub chunks: i64,
}

impl KnowledgeChoice {
    pub fn summary(&self) -> String {
        let plural = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
        match self.documents {
            0 => "No documents yet".to_string(),
            documents => format!(
                "{}, {}",
                plural(documents, "document"),
                plural(self.chunks, "passage")
            ),
        }
    }
}

impl From<KnowledgeBase> for KnowledgeChoice {
    fn from(base: KnowledgeBase) -> Self {
        KnowledgeChoice {
            name: base.name,
            documents: base.documents,
            chunks: base.chunks,
        }
    }
}

/// A knowledge base as it is created or changed. Left out, a setting keeps its value
/// (or takes its default when creating).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBaseSettings {
    /// Lower-case letters, digits, `-` and `_`, at most 63, starting with a letter or a
    /// digit; unique in the team.
    #[cfg_attr(feature = "ssr", schema(pattern = "^[a-z0-9][a-z0-9_-]{0,62}$"))]
    pub name: Option<String>,
    /// At most 1000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// An embedding model of `GET /v1/models` (the first the team can use, by default).
    /// Changing it re-embeds every chunk in the background; searches keep the old
    /// vectors until all have new ones.
    #[serde(default)]
    pub embedding_model: Option<String>,
    /// 50 to 2000 tokens (400 by default). Changing it indexes every document again.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 50, maximum = 2000))]
    pub chunk_tokens: Option<u32>,
    /// Tokens a chunk repeats of the one before, less than `chunk_tokens` (50 by
    /// default).
    #[serde(default)]
    pub chunk_overlap: Option<u32>,
    /// A PostgreSQL text-search configuration: `english` by default, `simple` for no
    /// stemming.
    #[serde(default)]
    pub language: Option<String>,
}

/// Where a document is in its indexing.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentState {
    Queued,
    Extracting,
    Embedding,
    Ready,
    Failed,
}

impl DocumentState {
    pub fn parse(text: &str) -> Option<DocumentState> {
        Some(match text {
            "queued" => DocumentState::Queued,
            "extracting" => DocumentState::Extracting,
            "embedding" => DocumentState::Embedding,
            "ready" => DocumentState::Ready,
            "failed" => DocumentState::Failed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentState::Queued => "queued",
            DocumentState::Extracting => "extracting",
            DocumentState::Embedding => "embedding",
            DocumentState::Ready => "ready",
            DocumentState::Failed => "failed",
        }
    }

    /// Still on its way to ready or failed.
    pub fn in_progress(self) -> bool {
        matches!(
            self,
            DocumentState::Queued | DocumentState::Extracting | DocumentState::Embedding
        )
    }
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: Uuid,
    pub knowledge_base_id: Uuid,
    /// The file's name, or the address it was imported from.
    pub name: String,
    pub source_url: Option<String>,
    /// `application/pdf`, Word's
    /// `application/vnd.openxmlformats-officedocument.wordprocessingml.document`,
    /// `text/markdown`, `text/html` or `text/plain`, as found in the content.
    pub media_type: String,
    pub bytes: i64,
    pub tags: Vec<String>,
    pub state: DocumentState,
    /// While embedding: chunks to embed, and embedded so far.
    pub chunks_total: i64,
    pub chunks_embedded: i64,
    /// Chunks searches see.
    pub chunk_count: i64,
    /// Why it failed.
    pub failure: Option<String>,
    /// What embedding it cost, in micro-dollars.
    pub cost_micro_usd: i64,
    pub created: String,
    pub indexed: Option<String>,
}

/// What an upload did.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadOutcome {
    /// A new document, queued.
    Created,
    /// A document of that name had other content: queued to be indexed again.
    Replaced,
    /// The knowledge base already holds these bytes: nothing changed.
    Unchanged,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentUpload {
    pub outcome: UploadOutcome,
    pub document: Document,
}

/// A document's content, as uploaded or fetched.
#[derive(Debug, Clone, Default)]
pub struct NewDocument {
    pub name: String,
    pub bytes: Vec<u8>,
    /// What the uploader said it is (a hint; the content decides).
    pub declared_type: Option<String>,
    pub tags: Vec<String>,
    pub source_url: Option<String>,
}

/// Import a document from a public address.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentImport {
    /// A public http(s) address (checked by the outbound guard).
    #[cfg_attr(feature = "ssr", schema(max_length = 2000, pattern = "^https?://"))]
    pub url: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A passage of a document, as searched and cited.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Stable while its text is unchanged, across re-indexing.
    pub id: Uuid,
    pub document_id: Uuid,
    /// Its place in the document, from 0.
    pub position: i32,
    pub content: String,
    pub tokens: i32,
}

/// A search of one knowledge base.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// What to look for, 1 to 2000 characters.
    pub query: String,
    /// How many chunks, 1 to 50 (5 by default).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 50))]
    pub k: Option<u32>,
    /// Only these documents.
    #[serde(default)]
    pub documents: Vec<Uuid>,
    /// Only documents with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Which rankings to use (`hybrid` by default).
    #[serde(default)]
    pub retrieval: Retrieval,
}

/// How chunks are found: by meaning (vectors), by words (full text), or both fused by
/// reciprocal rank. Hybrid finds what either finds; the other two show what each
/// contributes (the search playground, the retrieval benchmark).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Retrieval {
    #[default]
    Hybrid,
    /// Vectors only.
    Semantic,
    /// Words only: the query is not embedded (nothing is spent).
    Keyword,
}

impl Retrieval {
    pub const ALL: [Retrieval; 3] = [Retrieval::Hybrid, Retrieval::Semantic, Retrieval::Keyword];

    pub fn as_str(self) -> &'static str {
        match self {
            Retrieval::Hybrid => "hybrid",
            Retrieval::Semantic => "semantic",
            Retrieval::Keyword => "keyword",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == value)
    }

    /// As the playground and the builder offer it.
    pub fn label(self) -> &'static str {
        match self {
            Retrieval::Hybrid => "By meaning and words",
            Retrieval::Semantic => "By meaning only",
            Retrieval::Keyword => "By words only",
        }
    }

    pub fn by_meaning(self) -> bool {
        self != Retrieval::Keyword
    }

    pub fn by_words(self) -> bool {
        self != Retrieval::Semantic
    }
}

/// A chunk found, and why: its place in the vector and the word rankings, fused by
/// reciprocal rank (`score`, higher is better).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub chunk: Chunk,
    pub knowledge_base_id: Uuid,
    pub document_name: String,
    pub score: f64,
    /// 1-based rank among the nearest vectors, if it was among them.
    pub semantic_rank: Option<u32>,
    /// Cosine distance of its vector to the query's.
    pub distance: Option<f64>,
    /// 1-based rank among the chunks matching the query's words, if it was among them.
    pub lexical_rank: Option<u32>,
}
