use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an API key may do. `read` lists and gets; `run` also starts and cancels runs;
/// `admin` also changes agents, keys and webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Read,
    Run,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Run, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Run => "run",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    pub fn description(self) -> &'static str {
        match self {
            Scope::Read => "List and read agents, runs and usage",
            Scope::Run => "Start and cancel runs, and call the gateway",
            Scope::Admin => "Change agents, API keys and webhooks",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters (`agf_abcd1234`), to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created: String,
    pub created_by: String,
    pub last_used: Option<String>,
    pub expires: Option<String>,
    pub revoked: bool,
}

/// A key just created: the only time its secret is ever shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub key: String,
    pub row: ApiKeyRow,
}
