//! Agents: the list, a new agent from a spec, the run console, and each run's page,
//! live while it runs.

mod agent_page;
mod agents_page;
mod builder;
mod compare_page;
pub mod diff;
mod edit_agent_page;
pub(crate) mod live;
mod new_agent_page;
mod run_page;
mod run_sources;
mod run_trace;
mod runs_list;
mod server_fns;
mod spec_editor;
mod types;
pub mod workflow_graph;

pub use agent_page::AgentPage;
pub(crate) use agent_page::InputField;
pub use agents_page::AgentsPage;
pub use compare_page::ComparePage;
pub use edit_agent_page::EditAgentPage;
pub use new_agent_page::NewAgentPage;
pub use run_page::RunPage;
pub(crate) use run_trace::RunTrace;
pub use server_fns::{
    CancelRun, CreateAgent, RestoreVersion, SaveVersion, StartRun, compare_versions, get_agent,
    get_run, list_agents, list_runs,
};
pub use types::*;
