//! Splitting a document's text into chunks of a set size in tokens (cl100k, what
//! OpenAI's embedding models count), along the largest boundaries that fit: Markdown's
//! sections, lists and paragraphs for structured text, then sentences and words
//! (`text-splitter`). Each chunk's id follows from its document, its text and which
//! occurrence of that text it is, so unchanged text keeps its id when a document is
//! indexed again.

use sha2::{Digest, Sha256};
use text_splitter::{ChunkConfig, MarkdownSplitter, TextSplitter};
use tiktoken_rs::CoreBPE;
use uuid::Uuid;

/// A chunk as the splitter made it, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub id: Uuid,
    pub position: i32,
    pub content: String,
    pub tokens: i32,
}

/// How chunks are cut.
#[derive(Debug, Clone, Copy)]
pub struct Sizing {
    pub tokens: usize,
    pub overlap: usize,
    /// Follow Markdown's structure.
    pub structured: bool,
}

fn tokenizer() -> &'static CoreBPE {
    tiktoken_rs::cl100k_base_singleton()
}

/// The text's chunks, in order. Sizing is checked where it is set (the database's
/// checks too), so a bad one here is a bug: it falls back to no overlap.
pub fn split(document_id: Uuid, text: &str, sizing: Sizing) -> Vec<Planned> {
    let bpe = tokenizer();
    let config = ChunkConfig::new(sizing.tokens)
        .with_overlap(sizing.overlap)
        .unwrap_or_else(|_| ChunkConfig::new(sizing.tokens))
        .with_sizer(bpe);
    let pieces: Vec<&str> = if sizing.structured {
        MarkdownSplitter::new(config).chunks(text).collect()
    } else {
        TextSplitter::new(config).chunks(text).collect()
    };
    let mut seen: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    pieces
        .into_iter()
        .filter(|piece| !piece.trim().is_empty())
        .enumerate()
        .map(|(position, piece)| {
            let occurrence = seen.entry(piece).or_default();
            let id = chunk_id(document_id, piece, *occurrence);
            *occurrence += 1;
            Planned {
                id,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                content: piece.to_string(),
                tokens: i32::try_from(bpe.encode_ordinary(piece).len()).unwrap_or(i32::MAX),
            }
        })
        .collect()
}

/// The id of the `occurrence`-th chunk (from 0) of the document with this text.
pub fn chunk_id(document_id: Uuid, text: &str, occurrence: u32) -> Uuid {
    let digest = Sha256::new()
        .chain_update(document_id.as_bytes())
        .chain_update(Sha256::digest(text.as_bytes()))
        .chain_update(occurrence.to_be_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizing(tokens: usize) -> Sizing {
        Sizing {
            tokens,
            overlap: 0,
            structured: true,
        }
    }

    #[test]
    fn chunks_fit_and_follow_sections() {
        let text = "# Refunds\n\nRefunds are paid within 30 days of a return.\n\n\
                    # Shipping\n\nParcels leave the warehouse on weekdays.\n";
        let chunks = split(Uuid::nil(), text, sizing(20));
        assert_eq!(chunks.len(), 2, "{chunks:#?}");
        assert!(chunks[0].content.starts_with("# Refunds"));
        assert!(chunks[1].content.starts_with("# Shipping"));
        assert!(chunks.iter().all(|c| c.tokens <= 20 && c.tokens > 0));
        assert_eq!(
            chunks.iter().map(|c| c.position).collect::<Vec<_>>(),
            [0, 1]
        );
    }

    #[test]
    fn unchanged_text_keeps_its_id_and_repeats_differ() {
        let document = Uuid::from_u128(7);
        let before = split(document, "Alpha paragraph.\n\nBeta paragraph.", sizing(5));
        let after = split(
            document,
            "New opening.\n\nAlpha paragraph.\n\nBeta paragraph.",
            sizing(5),
        );
        assert_eq!(before[0].id, after[1].id);
        assert_eq!(before[1].id, after[2].id);
        assert_ne!(chunk_id(document, "x", 0), chunk_id(document, "x", 1));
        assert_ne!(
            chunk_id(document, "x", 0),
            chunk_id(Uuid::from_u128(8), "x", 0)
        );
    }
}
