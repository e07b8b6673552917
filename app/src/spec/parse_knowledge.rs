//! `knowledge:`: the team's knowledge bases an agent answers from. A list of names
//! (`knowledge: [support-docs]`), or a mapping: `bases`, `mode` (`tool`, the default:
//! the model searches when it needs; `always`: the task is searched before the first
//! model call and the passages put in front of it), `results` (passages per search) and
//! `retrieval` (`hybrid`, the default: by meaning and words; `semantic`: by meaning;
//! `keyword`: by words, which embeds nothing).
//! Whether the names exist is the team's business: the server checks them on save
//! ([`knowledge_references`] says where each one is written).

use marked_yaml::types::Node;

use super::model::{DEFAULT_KNOWLEDGE_RESULTS, KnowledgeUse};
use super::parse::load_checked;
use super::reader::{At, Errors, Fields, integer, scalar, sequence};
use crate::knowledge::Retrieval;

pub const MAX_KNOWLEDGE_BASES: usize = 5;
pub const MAX_KNOWLEDGE_RESULTS: i64 = 20;

pub(super) fn knowledge(node: &Node, at: At, errors: &mut Errors) -> Option<KnowledgeUse> {
    if node.as_sequence().is_some() {
        return Some(KnowledgeUse {
            bases: bases(node, &at, errors)?,
            always: false,
            results: DEFAULT_KNOWLEDGE_RESULTS,
            retrieval: Retrieval::default(),
        });
    }
    let fields = Fields::of(node, at, &["bases", "mode", "results", "retrieval"], errors)?;
    let bases = fields
        .require("bases", errors)
        .and_then(|(node, at)| bases(node, &at, errors));
    let always = match fields.get("mode") {
        None => Some(false),
        Some((node, at)) => match scalar(node, &at, "tool or always", errors)?.as_str() {
            "tool" => Some(false),
            "always" => Some(true),
            other => {
                errors.add(&at, format!("unknown mode `{other}`; expected tool (the model searches when it needs) or always (searched before the first call)"));
                None
            }
        },
    };
    let results = match fields.get("results") {
        None => Some(DEFAULT_KNOWLEDGE_RESULTS),
        Some((node, at)) => integer(node, &at, 1, MAX_KNOWLEDGE_RESULTS, errors).map(|n| n as u32),
    };
    let retrieval = match fields.get("retrieval") {
        None => Some(Retrieval::default()),
        Some((node, at)) => {
            let text = scalar(node, &at, "hybrid, semantic or keyword", errors)?.as_str();
            let retrieval = Retrieval::parse(text);
            if retrieval.is_none() {
                errors.add(&at, format!("unknown retrieval `{text}`; expected hybrid (by meaning and words), semantic (by meaning only) or keyword (by words only)"));
            }
            retrieval
        }
    };
    Some(KnowledgeUse {
        bases: bases?,
        always: always?,
        results: results?,
        retrieval: retrieval?,
    })
}

fn bases(node: &Node, at: &At, errors: &mut Errors) -> Option<Vec<String>> {
    let list = sequence(node, at, MAX_KNOWLEDGE_BASES, errors)?;
    if list.is_empty() {
        errors.add(at, "name at least one knowledge base");
        return None;
    }
    let mut names: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, item) in list.iter().enumerate() {
        let at = at.index(i, item.span());
        let Some(name) = scalar(item, &at, "a knowledge base's name", errors) else {
            ok = false;
            continue;
        };
        let name = name.as_str();
        if !is_name(name) {
            errors.add(
                &at,
                format!(
                    "`{name}` is not a knowledge base's name (lower-case letters, digits, - and _)"
                ),
            );
            ok = false;
        } else if names.iter().any(|seen| seen == name) {
            errors.add(&at, format!("knowledge base `{name}` is listed twice"));
            ok = false;
        } else {
            names.push(name.to_string());
        }
    }
    ok.then_some(names)
}

/// A knowledge base's name as the database allows it.
fn is_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.chars().enumerate().all(|(i, c)| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || (i > 0 && (c == '-' || c == '_'))
        })
}

/// A knowledge base named in a spec, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeReference {
    pub name: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
}

/// Every knowledge base a (valid) spec names: the agent's, and each workflow node's.
pub fn knowledge_references(text: &str) -> Vec<KnowledgeReference> {
    let Ok(root) = load_checked(text) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let Some(map) = root.as_mapping() else {
        return found;
    };
    if let Some(node) = map.get_node("knowledge") {
        collect(node, "knowledge".to_string(), &mut found);
    }
    if let Some(nodes) = map.get_node("nodes").and_then(Node::as_mapping) {
        for (id, node) in nodes.iter() {
            if let Some(knowledge) = node.as_mapping().and_then(|n| n.get_node("knowledge")) {
                collect(
                    knowledge,
                    format!("nodes.{}.knowledge", id.as_str()),
                    &mut found,
                );
            }
        }
    }
    found
}

fn collect(node: &Node, path: String, found: &mut Vec<KnowledgeReference>) {
    let (list, path) = match node.as_mapping().and_then(|m| m.get_node("bases")) {
        Some(bases) => (bases, format!("{path}.bases")),
        None => (node, path),
    };
    for (i, item) in list
        .as_sequence()
        .into_iter()
        .flat_map(|s| s.iter())
        .enumerate()
    {
        let Some(name) = item.as_scalar() else {
            continue;
        };
        let (line, column) = item
            .span()
            .start()
            .map(|m| (m.line() as u32, m.column() as u32))
            .unwrap_or((0, 0));
        found.push(KnowledgeReference {
            name: name.as_str().to_string(),
            path: format!("{path}[{i}]"),
            line,
            column,
        });
    }
}
