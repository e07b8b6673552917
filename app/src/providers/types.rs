use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRow {
    pub id: String,
    pub name: String,
    /// The operator configured a key (or the provider needs none).
    pub operator_configured: bool,
    /// The team's own key, masked (`••••abcd`).
    pub team_key: Option<String>,
    /// Whether a team may bring its own key (the local and demo models take none).
    pub accepts_key: bool,
    pub models: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvidersOverview {
    pub providers: Vec<ProviderRow>,
    /// The order providers are tried in.
    pub chain: Vec<String>,
    pub can_edit: bool,
    /// Named secrets custom HTTP tools reference (`{ secret: CRM_TOKEN }`), masked.
    pub secrets: Vec<SecretRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRow {
    pub name: String,
    pub masked: String,
}

/// What the app tells every signed-in page about the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineNotice {
    /// Only the built-in fake model answers (no real provider configured).
    pub demo_model: bool,
}
