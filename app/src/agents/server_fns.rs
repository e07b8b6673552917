//! Thin transports over the backend's agent and run operations.

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use super::{AgentDetail, AgentSummary, RunDetail};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "agents/list")]
pub async fn list_agents(
    search: Option<String>,
    sort: Option<String>,
) -> Result<Vec<AgentSummary>, AppError> {
    use crate::backend;
    let search = search.filter(|s| !s.trim().is_empty());
    backend::respond(
        async {
            let sort = match sort.as_deref().filter(|s| !s.is_empty()) {
                None => super::AgentSort::default(),
                Some(text) => super::AgentSort::parse(text)
                    .ok_or_else(|| AppError::invalid("sort", "Unknown order."))?,
            };
            backend::agents()?
                .list(&backend::actor().await?, search.as_deref(), sort)
                .await
        }
        .await,
    )
}

/// Saves a new agent and opens it.
#[server(prefix = "/api", endpoint = "agents/create")]
pub async fn create_agent(spec: String) -> Result<Uuid, AppError> {
    use crate::backend;
    let created = backend::respond(
        async {
            backend::agents()?
                .create(&backend::actor().await?, &spec)
                .await
        }
        .await,
    );
    if let Ok(id) = &created {
        leptos_axum::redirect(&format!("/agents/{id}"));
    }
    created
}

#[server(prefix = "/api", endpoint = "agents/get")]
pub async fn get_agent(id: Uuid) -> Result<AgentDetail, AppError> {
    use crate::backend;
    backend::respond(async { backend::agents()?.get(&backend::actor().await?, id).await }.await)
}

/// Starts a run from the console's form and opens the run's page, which follows it live.
#[server(prefix = "/api", endpoint = "agents/run")]
pub async fn start_run(
    agent_id: Uuid,
    values: Option<HashMap<String, String>>,
) -> Result<Uuid, AppError> {
    use crate::backend;
    let values = values.unwrap_or_default();
    let started = async {
        let agents = backend::agents()?;
        let actor = backend::actor().await?;
        let agent = agents.get(&actor, agent_id).await?;
        let input = crate::spec::inputs_from_form(&agent.inputs, &values)
            .map_err(|problems| AppError::invalid("input", problems.join("; ")))?;
        agents.start_run(&actor, agent_id, input).await
    }
    .await;
    // A failed post without JavaScript comes back to the form with what was typed.
    let typed: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let started = backend::respond_to_form(started, &typed);
    if let Ok(id) = &started {
        leptos_axum::redirect(&format!("/runs/{id}"));
    }
    started
}

#[server(prefix = "/api", endpoint = "runs/get")]
pub async fn get_run(id: Uuid) -> Result<RunDetail, AppError> {
    use crate::backend;
    backend::respond(async { backend::agents()?.run(&backend::actor().await?, id).await }.await)
}

#[server(prefix = "/api", endpoint = "runs/cancel")]
pub async fn cancel_run(id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::agents()?
                .cancel_run(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}

/// Saves the edited spec as the agent's next version and opens the agent.
#[server(prefix = "/api", endpoint = "agents/save_version")]
pub async fn save_version(agent_id: Uuid, spec: String) -> Result<i32, AppError> {
    use crate::backend;
    let saved = backend::respond(
        async {
            backend::agents()?
                .save_version(&backend::actor().await?, agent_id, &spec)
                .await
        }
        .await,
    );
    if saved.is_ok() {
        leptos_axum::redirect(&format!("/agents/{agent_id}"));
    }
    saved
}

#[server(prefix = "/api", endpoint = "agents/restore_version")]
pub async fn restore_version(agent_id: Uuid, version: i32) -> Result<i32, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::agents()?
                .restore_version(&backend::actor().await?, agent_id, version)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "agents/compare")]
pub async fn compare_versions(
    agent_id: Uuid,
    old: i32,
    new: i32,
) -> Result<super::VersionPair, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::agents()?
                .compare(&backend::actor().await?, agent_id, old, new)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "runs/list")]
pub async fn list_runs(
    agent_id: Uuid,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<super::RunsPage, AppError> {
    use crate::backend;
    backend::respond(
        async {
            let filter =
                super::RunFilter::parse(status.as_deref(), from.as_deref(), to.as_deref())?;
            let before = before.filter(|b| !b.is_empty());
            backend::agents()?
                .runs(
                    &backend::actor().await?,
                    agent_id,
                    filter,
                    before.as_deref(),
                )
                .await
        }
        .await,
    )
}
