//! Thin transports over the backend's API key operations.

use leptos::prelude::*;
use uuid::Uuid;

use super::{ApiKeyRow, NewApiKey};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "api_keys/list")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyRow>, AppError> {
    use crate::backend;
    backend::respond(async { backend::api_keys()?.list(&backend::actor().await?).await }.await)
}

/// Creates a key from the settings form (one checkbox per scope; expiry in days, empty
/// for never; an optional monthly gateway budget in dollars).
#[server(prefix = "/api", endpoint = "api_keys/create")]
pub async fn create_api_key(
    name: String,
    read: Option<String>,
    run: Option<String>,
    admin: Option<String>,
    expires_in_days: Option<String>,
    budget_usd: Option<String>,
    cache_ttl_secs: Option<String>,
) -> Result<NewApiKey, AppError> {
    use super::{KeySettings, Scope};
    use crate::backend;
    backend::respond_in_place(
        "api-key",
        async {
            let scopes: Vec<Scope> = [
                (Scope::Read, read),
                (Scope::Run, run),
                (Scope::Admin, admin),
            ]
            .into_iter()
            .filter_map(|(scope, ticked)| ticked.map(|_| scope))
            .collect();
            let expires_in_days = match expires_in_days.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(text.parse::<u32>().map_err(|_| {
                    AppError::invalid(
                        "expires_in_days",
                        "Choose how many days the key lasts (1 to 3650), or never.",
                    )
                })?),
            };
            let monthly_budget_cents = match budget_usd.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(
                    text.parse::<f64>()
                        .ok()
                        .filter(|usd| usd.is_finite() && *usd >= 0.0)
                        .map(|usd| (usd * 100.0).round() as u64)
                        .ok_or_else(|| {
                            AppError::invalid(
                                "budget_usd",
                                "Enter a budget in dollars, such as 25 or 7.50.",
                            )
                        })?,
                ),
            };
            let cache_ttl_secs = match cache_ttl_secs.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(text.parse::<u32>().map_err(|_| {
                    AppError::invalid("cache_ttl_secs", "Choose how long cached answers last.")
                })?),
            };
            let settings = KeySettings {
                name,
                scopes,
                expires_in_days,
                monthly_budget_cents,
                cache_ttl_secs,
            };
            backend::api_keys()?
                .create(&backend::actor().await?, &settings)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "api_keys/revoke")]
pub async fn revoke_api_key(id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::api_keys()?
                .revoke(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}
