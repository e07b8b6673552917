use async_trait::async_trait;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Actor;
use crate::agents::{
    AgentDetail, AgentSort, AgentSummary, AgentsPage, RunDetail, RunFilter, RunsPage, VersionPair,
};
use crate::error::AppError;

/// Agents and their runs. Members list and run agents; admins and owners create them.
#[async_trait]
pub trait Agents: Send + Sync + 'static {
    /// The team's agents in the given order, optionally filtered by a name fragment.
    async fn list(
        &self,
        actor: &Actor,
        search: Option<&str>,
        sort: AgentSort,
    ) -> Result<Vec<AgentSummary>, AppError>;
    /// A page of the team's agents, newest first, after an earlier page's cursor (the
    /// API's cursor pagination; stable while agents are added or edited).
    async fn page(
        &self,
        actor: &Actor,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<AgentsPage, AppError>;
    /// Archives an agent (admins and owners): it leaves every list and cannot be run;
    /// its runs stay.
    async fn archive(&self, actor: &Actor, agent_id: Uuid) -> Result<(), AppError>;
    /// Saves a new agent from its spec (YAML or JSON); returns its id.
    async fn create(&self, actor: &Actor, spec: &str) -> Result<Uuid, AppError>;
    async fn get(&self, actor: &Actor, agent_id: Uuid) -> Result<AgentDetail, AppError>;
    /// Saves a new immutable version (admins and owners); returns its number.
    async fn save_version(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        spec: &str,
    ) -> Result<i32, AppError>;
    /// Saves an earlier version's spec again as the newest version.
    async fn restore_version(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        version: i32,
    ) -> Result<i32, AppError>;
    async fn compare(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        old: i32,
        new: i32,
    ) -> Result<VersionPair, AppError>;
    /// Queues a run of the agent's current version; returns the run's id.
    async fn start_run(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        input: Map<String, Value>,
    ) -> Result<Uuid, AppError>;
    async fn run(&self, actor: &Actor, run_id: Uuid) -> Result<RunDetail, AppError>;
    /// An agent's runs, 20 a page, newest first, filtered; `before` is the previous
    /// page's `next_before`.
    async fn runs(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        filter: RunFilter,
        before: Option<&str>,
    ) -> Result<RunsPage, AppError>;
    async fn cancel_run(&self, actor: &Actor, run_id: Uuid) -> Result<(), AppError>;
}
