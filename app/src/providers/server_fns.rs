//! Thin transports over the backend's provider operations.

use leptos::prelude::*;

use super::{EngineNotice, ProviderHealth, ProvidersOverview};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "providers/list")]
pub async fn get_providers() -> Result<ProvidersOverview, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::providers()?
                .overview(&backend::actor().await?)
                .await
        }
        .await,
    )
}

/// Each provider's live status (it waits on the providers, each for a few seconds at
/// most; the server answers again from memory for a while).
#[server(prefix = "/api", endpoint = "providers/check")]
pub async fn check_providers() -> Result<Vec<ProviderHealth>, AppError> {
    use crate::backend;
    backend::respond(async { backend::providers()?.check(&backend::actor().await?).await }.await)
}

/// A failed post from the page leaves which provider it was for (never the key), so
/// that provider's card shows the error.
#[server(prefix = "/api", endpoint = "providers/save_key")]
pub async fn save_provider_key(provider: String, key: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond_to_form(
        async {
            backend::providers()?
                .save_key(&backend::actor().await?, &provider, key.trim())
                .await
        }
        .await,
        &[("provider", &provider)],
    )
}

#[server(prefix = "/api", endpoint = "providers/remove_key")]
pub async fn remove_provider_key(provider: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::providers()?
                .remove_key(&backend::actor().await?, &provider)
                .await
        }
        .await,
    )
}

/// `providers`: the team's routing order, comma-separated; empty goes back to the
/// platform's.
#[server(prefix = "/api", endpoint = "providers/set_order")]
pub async fn set_routing_order(providers: String) -> Result<(), AppError> {
    use crate::backend;
    let order: Vec<String> = providers
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(String::from)
        .collect();
    backend::respond(
        async {
            backend::providers()?
                .set_routing_order(&backend::actor().await?, &order)
                .await
        }
        .await,
    )
}

/// A failed post from the page leaves the name to fill in again (never the value).
#[server(prefix = "/api", endpoint = "providers/save_secret")]
pub async fn save_secret(name: String, value: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond_to_form(
        async {
            backend::providers()?
                .save_secret(&backend::actor().await?, name.trim(), &value)
                .await
        }
        .await,
        &[("name", &name)],
    )
}

#[server(prefix = "/api", endpoint = "providers/remove_secret")]
pub async fn remove_secret(name: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::providers()?
                .remove_secret(&backend::actor().await?, &name)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "providers/notice")]
pub async fn get_engine_notice() -> Result<EngineNotice, AppError> {
    use crate::backend;
    backend::respond(async { Ok(backend::providers()?.notice()) }.await)
}
