//! What a run publishes as it goes; clients render the run from these, live or replayed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::steps::{RunStatus, StepRecord};
use crate::spec::MicroUsd;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunEvent {
    Status {
        status: RunStatus,
    },
    /// Answer text as the model produces it (`node` inside workflows).
    Token {
        text: String,
        node: Option<String>,
    },
    /// The attempt that produced the text so far failed and another starts: discard it.
    TextReset {
        node: Option<String>,
    },
    /// A workflow node became active.
    NodeStarted {
        node: String,
    },
    Step {
        step: StepRecord,
    },
    /// The run ended; `reason` is a stable code for failures (e.g. `max_steps`).
    Finished {
        status: RunStatus,
        output: Option<Value>,
        reason: Option<String>,
        detail: Option<String>,
        cost: MicroUsd,
        duration_ms: i64,
    },
}
