use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::runs::{RunStatus, StepRecord};
use crate::spec::{InputDef, MicroUsd};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: Uuid,
    pub status: RunStatus,
    pub cost: MicroUsd,
    pub created: String,
    pub duration_ms: Option<i64>,
    pub failure_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentSummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub version: i32,
    pub updated: String,
    pub last_run: Option<RunSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentDetail {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub version: i32,
    pub spec_yaml: String,
    pub inputs: Vec<InputDef>,
    pub can_edit: bool,
    pub versions: Vec<VersionSummary>,
}

/// One page of an agent's runs, newest first; `next_before` fetches the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsPage {
    pub runs: Vec<RunSummary>,
    pub next_before: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub id: Uuid,
    pub agent_id: Option<Uuid>,
    pub agent_name: String,
    pub status: RunStatus,
    pub input: Value,
    pub output: Option<Value>,
    pub failure_reason: Option<String>,
    pub failure_detail: Option<String>,
    pub cost: MicroUsd,
    pub tokens: i64,
    pub created: String,
    pub duration_ms: Option<i64>,
    pub steps: Vec<StepRecord>,
    /// The graph of a workflow run (from the version it ran).
    pub graph: Option<super::workflow_graph::Graph>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: i32,
    pub author: String,
    pub created: String,
}

/// Two versions of an agent's spec, for comparing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionPair {
    pub agent_name: String,
    pub old: (i32, String),
    pub new: (i32, String),
}
