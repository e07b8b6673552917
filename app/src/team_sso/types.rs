//! What Settings → Single sign-on shows.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoOverview {
    /// The team's plan includes single sign-on (Enterprise).
    pub available: bool,
    /// The viewer is an owner: only owners change it.
    pub may_manage: bool,
    /// What the team registers at its provider as the redirect (callback) address.
    pub callback_url: String,
    /// Where members start a sign-in directly (a bookmark, the provider's app tile).
    pub sign_in_url: String,
    pub provider: Option<SsoProvider>,
    pub domains: Vec<SsoDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoProvider {
    pub issuer: String,
    pub client_id: String,
    /// The role of people who join through it.
    pub default_role: Role,
    /// People of the team's domains may sign in no other way.
    pub required: bool,
    /// When someone last signed in through it; `None`: never, so it cannot be required.
    pub last_used: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoDomain {
    pub id: Uuid,
    pub domain: String,
    /// Where the TXT record goes, and what it says.
    pub record_name: String,
    pub record_value: String,
    /// When its record was found; `None` while it waits.
    pub verified: Option<String>,
}

/// The provider, as an owner sets it up.
#[derive(Debug, Clone)]
pub struct SsoProviderInput {
    pub issuer: String,
    pub client_id: String,
    /// Empty keeps the secret already saved.
    pub client_secret: String,
    pub default_role: Role,
}
