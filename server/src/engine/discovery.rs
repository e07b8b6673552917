//! Learning the models each provider lists (`/v1/models` of the OpenAI-format servers,
//! Ollama's included; Anthropic's `/v1/models`), at start and then periodically, into
//! the catalogue. A provider that cannot be asked keeps what was known of it.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;

use super::Engine;
use super::providers::TeamProviders;

/// The longest one provider may take to list its models.
const LIST_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks now, then every `every`.
pub fn spawn(engine: Arc<Engine>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            refresh(&engine).await;
        }
    });
}

/// Asks every provider the operator set up (with the operator's keys) for its list.
pub async fn refresh(engine: &Engine) {
    let providers = engine.providers_for(&TeamProviders::default());
    let asks = engine.settings.providers.iter().filter_map(|config| {
        let provider = providers.get(&config.id)?.clone();
        let id = app::catalog::provider_ids().find(|id| *id == config.id)?;
        Some(async move {
            (
                id,
                tokio::time::timeout(LIST_TIMEOUT, provider.models()).await,
            )
        })
    });
    for (id, listed) in join_all(asks).await {
        match listed {
            Ok(Ok(offered)) => engine.router.catalog.learn(id, &offered),
            Ok(Err(error)) => {
                tracing::debug!(provider = id, %error, "could not list the provider's models");
            }
            Err(_) => tracing::debug!(provider = id, "listing the provider's models timed out"),
        }
    }
}
