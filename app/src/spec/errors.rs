//! Spec errors carry where they are, so the editor can mark the field and the YAML line.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One problem in a spec: a field path (`model.task`, `invariants[1].max_steps`), the
/// 1-based line and column in the YAML text (0 when the text gave none), and a message
/// written for the person editing the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.line) {
            (true, 0) => write!(f, "{}", self.message),
            (true, line) => write!(f, "line {line}: {}", self.message),
            (false, 0) => write!(f, "{}: {}", self.path, self.message),
            (false, line) => write!(f, "{} (line {line}): {}", self.path, self.message),
        }
    }
}

/// Every error found in one spec, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

impl std::error::Error for SpecErrors {}
