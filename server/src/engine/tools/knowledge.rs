//! The `knowledge_search` tool of an agent with `knowledge:`: a search of the team's
//! knowledge bases, whose passages come back numbered for the answer to cite as `[n]`.
//! Numbers run on across the searches of one agent, so `[n]` means one passage in the
//! whole answer; the trace keeps each number's chunk and document.

use std::sync::Arc;

use app::knowledge::SearchHit;
use app::spec::{KNOWLEDGE_TOOL, KnowledgeUse};
use async_trait::async_trait;
use serde_json::{Value, json};

use crate::engine::providers::{Message, ToolSpec};

/// The team's knowledge, as a run may search it.
#[async_trait]
pub trait KnowledgeSearch: Send + Sync {
    /// The best passages of the knowledge bases the spec names (the team's), as many
    /// and ranked as it says, for the query; an error is a sentence for the model and
    /// the trace.
    async fn search(&self, use_: &KnowledgeUse, query: &str) -> Result<Vec<SearchHit>, String>;
}

pub type SharedKnowledgeSearch = Arc<dyn KnowledgeSearch>;

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: KNOWLEDGE_TOOL.to_string(),
        description: "Searches the team's knowledge bases and returns numbered passages. \
                      Cite the passages you use as [n]."
            .to_string(),
        parameters: json!({
            "type": "object", "required": ["query"], "additionalProperties": false,
            "properties": {"query": {"type": "string", "description": "What to look for, in words the documents would use"}},
        }),
    }
}

/// Passages numbered from `first`, for the model, and each number's source for the
/// trace.
pub fn cite(hits: &[SearchHit], first: u32) -> (String, Value) {
    if hits.is_empty() {
        return (
            "No passage of the knowledge bases matches. Say so rather than guess.".to_string(),
            json!([]),
        );
    }
    let mut text = String::new();
    let mut citations = Vec::new();
    for (n, hit) in (first..).zip(hits) {
        text.push_str(&format!(
            "[{n}] ({}) {}\n\n",
            hit.document_name,
            hit.chunk.content.trim()
        ));
        citations.push(json!({
            "n": n,
            "chunk_id": hit.chunk.id,
            "knowledge_base_id": hit.knowledge_base_id,
            "document_id": hit.chunk.document_id,
            "document": hit.document_name,
            "position": hit.chunk.position,
            "score": hit.score,
            "semantic_rank": hit.semantic_rank,
            "lexical_rank": hit.lexical_rank,
            "distance": hit.distance,
        }));
    }
    text.push_str("Cite the passages you use as [n], with their numbers.");
    (text, Value::Array(citations))
}

/// The next citation number: one past the highest an earlier search of this agent gave
/// (its results are in the messages, as replayed after a restart too).
pub fn next_number(messages: &[Message]) -> u32 {
    messages
        .iter()
        .filter_map(|message| match message {
            Message::ToolResult { content, .. } => Some(content),
            _ => None,
        })
        .flat_map(|content| content.lines())
        .filter_map(|line| {
            line.strip_prefix('[')?
                .split_once(']')?
                .0
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0)
        + 1
}

/// The passages an always-retrieving agent is given before its first call.
pub fn preamble(passages: &str) -> String {
    format!("Passages from the team's knowledge bases that may help:\n\n{passages}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::knowledge::Chunk;
    use uuid::Uuid;

    fn hit(text: &str) -> SearchHit {
        SearchHit {
            chunk: Chunk {
                id: Uuid::nil(),
                document_id: Uuid::nil(),
                position: 0,
                content: text.into(),
                tokens: 1,
            },
            knowledge_base_id: Uuid::nil(),
            document_name: "guide.md".into(),
            score: 0.03,
            semantic_rank: Some(1),
            distance: Some(0.2),
            lexical_rank: None,
        }
    }

    #[test]
    fn numbers_run_on_across_searches() {
        let (first, citations) = cite(&[hit("alpha"), hit("beta")], 1);
        assert!(first.starts_with("[1] (guide.md) alpha\n\n[2] (guide.md) beta"));
        assert_eq!(citations[1]["n"], 2);
        let messages = vec![Message::ToolResult {
            call_id: "a".into(),
            content: first,
            is_error: false,
        }];
        assert_eq!(next_number(&messages), 3);
        assert_eq!(next_number(&[]), 1);
    }
}
