//! The agent spec: shared types, the one parser/validator used by the browser editor
//! (compiled to WASM), the REST API and the engine, and helpers to render it.

mod depth;
pub mod emit;
mod errors;
pub mod json_schema;
mod model;
mod money;
mod parse;
mod parse_invariants;
mod parse_knowledge;
mod parse_schema;
mod parse_tools;
mod parse_workflow;
mod reader;
pub mod references;
mod templates;

pub use depth::MAX_DEPTH;
pub use errors::{SpecError, SpecErrors};
pub use model::*;
pub use money::MicroUsd;
pub use parse::{MAX_SPEC_BYTES, input_accepts, inputs_from_form, parse_spec, spec_to_json};
pub use parse_invariants::RULES;
pub use parse_knowledge::{KnowledgeReference, MAX_KNOWLEDGE_BASES, knowledge_references};
pub use templates::{TEMPLATES, Template};

#[cfg(test)]
mod tests;
