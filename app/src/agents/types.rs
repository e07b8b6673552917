use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::runs::{RunStatus, StepRecord};
use crate::spec::{InputDef, MicroUsd};

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: Uuid,
    pub status: RunStatus,
    pub cost: MicroUsd,
    pub created: String,
    pub duration_ms: Option<i64>,
    pub failure_reason: Option<String>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// A page of agents and the cursor of the next one (`None` on the last page).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentsPage {
    pub agents: Vec<AgentSummary>,
    pub next_cursor: Option<String>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// How the agents list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentSort {
    /// Most recently changed first.
    #[default]
    Updated,
    Name,
    /// Most recently run first; never-run agents last.
    LastRun,
}

impl AgentSort {
    pub const ALL: [AgentSort; 3] = [AgentSort::Updated, AgentSort::Name, AgentSort::LastRun];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentSort::Updated => "updated",
            AgentSort::Name => "name",
            AgentSort::LastRun => "last_run",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgentSort::Updated => "Recently changed",
            AgentSort::Name => "Name",
            AgentSort::LastRun => "Recently run",
        }
    }

    pub fn parse(text: &str) -> Option<AgentSort> {
        AgentSort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == text)
    }
}

/// Which of an agent's runs to list: a status and a range of days (UTC, both ends
/// included), each optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunFilter {
    pub status: Option<RunStatus>,
    pub from: Option<Day>,
    pub to: Option<Day>,
}

impl RunFilter {
    /// The filter from its text form (query strings of the page and the API); empty
    /// values mean "any".
    pub fn parse(
        status: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<RunFilter, crate::error::AppError> {
        use crate::error::AppError;
        fn given(text: Option<&str>) -> Option<&str> {
            text.filter(|t| !t.is_empty())
        }
        let day = |field: &str, text: Option<&str>| {
            given(text)
                .map(|text| {
                    Day::parse(text)
                        .ok_or_else(|| AppError::invalid(field, "Use a date like 2026-11-22."))
                })
                .transpose()
        };
        let filter = RunFilter {
            status: given(status)
                .map(|text| {
                    RunStatus::parse(text)
                        .ok_or_else(|| AppError::invalid("status", "Unknown status."))
                })
                .transpose()?,
            from: day("from", from)?,
            to: day("to", to)?,
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(AppError::invalid(
                "to",
                "The end date is before the start date.",
            ));
        }
        Ok(filter)
    }
}

/// A calendar day, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Day {
    /// Exactly `YYYY-MM-DD` (what date inputs send and the API documents).
    pub fn parse(text: &str) -> Option<Day> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !shaped {
            return None;
        }
        let mut parts = text.splitn(3, '-');
        let year = parts
            .next()?
            .parse()
            .ok()
            .filter(|y| (1970..=9999).contains(y))?;
        let month = parts
            .next()?
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))?;
        let day = parts
            .next()?
            .parse()
            .ok()
            .filter(|d| (1..=31).contains(d))?;
        Some(Day { year, month, day })
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One page of an agent's runs, newest first; `next_before` fetches the next page.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsPage {
    pub runs: Vec<RunSummary>,
    pub next_before: Option<String>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub id: Uuid,
    pub agent_id: Option<Uuid>,
    pub agent_name: String,
    /// The conversation this run answered a message of.
    pub conversation_id: Option<Uuid>,
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
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub graph: Option<super::workflow_graph::Graph>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
