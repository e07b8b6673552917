//! A run's trace: every routing decision, LLM call, tool call and invariant check.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::MicroUsd;

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<RunStatus> {
        [
            RunStatus::Queued,
            RunStatus::Running,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Cancelled
        )
    }
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Which model was chosen, what was skipped and why.
    Route,
    LlmCall,
    ToolCall,
    Invariant,
    /// A workflow node; the steps inside it name it as their parent.
    Node,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Route => "route",
            StepKind::LlmCall => "llm_call",
            StepKind::ToolCall => "tool_call",
            StepKind::Invariant => "invariant",
            StepKind::Node => "node",
        }
    }

    pub fn parse(text: &str) -> Option<StepKind> {
        [
            StepKind::Route,
            StepKind::LlmCall,
            StepKind::ToolCall,
            StepKind::Invariant,
            StepKind::Node,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Error,
}

/// One finished step. `seq` orders steps within a run; `parent` is the seq of the
/// workflow node step that contains it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub seq: i32,
    pub parent: Option<i32>,
    pub node: Option<String>,
    pub kind: StepKind,
    pub status: StepStatus,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost: MicroUsd,
    pub latency_ms: i64,
    /// Kind-specific facts: the routing decision, the tool input and output, the check.
    pub detail: Value,
}
