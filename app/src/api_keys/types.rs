use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an API key may do. `read` lists and gets; `run` also starts and cancels runs;
/// `admin` also changes agents, keys and webhooks.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// What the key may spend through the gateway in a calendar month (UTC), in cents.
    pub monthly_budget_cents: Option<u64>,
    /// Its repeated temperature-0 gateway requests are answered from the response
    /// cache, kept this many seconds, without `X-Gateway-Cache` in each.
    #[serde(default)]
    pub cache_ttl_secs: Option<u32>,
}

/// What a new key is made with.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySettings {
    /// Not blank; at most 100 characters.
    #[cfg_attr(
        feature = "ssr",
        schema(min_length = 1, max_length = 100, pattern = "\\S")
    )]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub scopes: Vec<Scope>,
    /// 1 to 3650; none: the key never expires.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
    /// What the key may spend through the gateway a month, in cents (at most $1,000,000).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(maximum = 100_000_000))]
    pub monthly_budget_cents: Option<u64>,
    /// Answer this key's repeated `temperature: 0` gateway requests from the response
    /// cache, keeping answers this many seconds (1 to 604800, a week), without
    /// `X-Gateway-Cache` in each request (`X-Gateway-Cache: off` opts a request out).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 604_800))]
    pub cache_ttl_secs: Option<u32>,
}

/// The longest a key may keep cached answers: a week, as `X-Gateway-Cache-TTL`.
pub const MAX_CACHE_TTL_SECS: u32 = 604_800;

impl KeySettings {
    /// Checks the settings; the first problem names its field.
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        use crate::error::AppError;
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "name",
                "Name the key (at most 100 characters).",
            ));
        }
        if self.scopes.is_empty() {
            return Err(AppError::invalid(
                "scopes",
                "Give the key at least one scope.",
            ));
        }
        if self
            .expires_in_days
            .is_some_and(|d| !(1..=3650).contains(&d))
        {
            return Err(AppError::invalid(
                "expires_in_days",
                "Choose how many days the key lasts (1 to 3650), or never.",
            ));
        }
        if self
            .cache_ttl_secs
            .is_some_and(|secs| !(1..=MAX_CACHE_TTL_SECS).contains(&secs))
        {
            return Err(AppError::invalid(
                "cache_ttl_secs",
                "Keep cached answers 1 second to a week (604800 seconds), or not at all.",
            ));
        }
        if self.monthly_budget_cents.is_some_and(|c| c > 100_000_000) {
            return Err(AppError::invalid(
                "monthly_budget_cents",
                "A monthly budget is at most $1,000,000 (100000000 cents).",
            ));
        }
        Ok(())
    }
}

/// A key just created: the only time its secret is ever shown.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub key: String,
    pub row: ApiKeyRow,
}
