use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvidersOverview {
    pub providers: Vec<ProviderRow>,
    /// The order providers are tried in when a spec names none: the team's, or the
    /// platform's.
    pub chain: Vec<String>,
    /// Whether the team chose the order (else it is the platform's).
    pub team_order: bool,
    pub can_edit: bool,
    /// Named secrets custom HTTP tools reference (`{ secret: CRM_TOKEN }`), masked.
    pub secrets: Vec<SecretRow>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRow {
    pub name: String,
    pub masked: String,
}

/// A team's routing order, as the API sets it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoutingOrder {
    /// Provider ids, tried in this order; empty goes back to the platform's order.
    #[cfg_attr(feature = "ssr", schema(schema_with = provider_ids_schema))]
    pub providers: Vec<String>,
}

/// Known provider ids, each at most once (the catalogue's list, so the document cannot
/// drift from what the server takes).
#[cfg(feature = "ssr")]
fn provider_ids_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let ids: Vec<&str> = crate::catalog::provider_ids().collect();
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(ids.clone())),
        )
        .unique_items(true)
        .max_items(Some(ids.len()))
        .build()
}

/// What the app tells every signed-in page about the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineNotice {
    /// Only the built-in fake model answers (no real provider configured).
    pub demo_model: bool,
}

/// A provider's live status, from a call that costs nothing (its model list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderHealth {
    pub id: String,
    pub state: HealthState,
    /// How long the provider took to answer, when it did.
    pub latency_ms: Option<u32>,
    /// The models it says it offers.
    pub models: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HealthState {
    /// It answered with its models.
    Reachable,
    /// It answered, refusing the key.
    KeyRefused,
    /// It could not be reached, or failed.
    Unreachable,
    /// No key for it, the platform's or the team's.
    NotConfigured,
}

impl HealthState {
    pub fn label(self) -> &'static str {
        match self {
            HealthState::Reachable => "Reachable",
            HealthState::KeyRefused => "Key refused",
            HealthState::Unreachable => "Unreachable",
            HealthState::NotConfigured => "Not configured",
        }
    }
}
