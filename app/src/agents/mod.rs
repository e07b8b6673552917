//! Agents: the list, a new agent from a spec, the run console, and each run's page,
//! live while it runs.

mod agent_page;
mod agents_page;
mod live;
mod new_agent_page;
mod run_page;
mod run_trace;
mod server_fns;
mod types;

pub use agent_page::AgentPage;
pub use agents_page::AgentsPage;
pub use new_agent_page::NewAgentPage;
pub use run_page::RunPage;
pub use server_fns::{CancelRun, CreateAgent, StartRun, get_agent, get_run, list_agents};
pub use types::*;
