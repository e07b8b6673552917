//! `fake-llm`: runs the fake provider for local demos and browser tests.
//!
//! Environment: `FAKE_LLM_ADDR` (default `127.0.0.1:3900`), `FAKE_LLM_KEY` (require this API
//! key), `FAKE_LLM_TOKEN_DELAY_MS` (pause per streamed word, default 15 so replies visibly
//! stream), `FAKE_LLM_MODELS` (what `GET /v1/models` lists, comma-separated; default the
//! demo provider's models, `demo-fast,demo-pro,demo-embed,demo-embed-v2`).

use std::io::Write;
use std::time::Duration;

use fake_llm::{FakeLlm, Options};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("FAKE_LLM_ADDR").unwrap_or_else(|_| "127.0.0.1:3900".to_owned());
    let required_key = std::env::var("FAKE_LLM_KEY")
        .ok()
        .filter(|key| !key.is_empty());
    let token_delay_ms = match std::env::var("FAKE_LLM_TOKEN_DELAY_MS") {
        Ok(value) => value.trim().parse().map_err(|error| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("FAKE_LLM_TOKEN_DELAY_MS={value:?}: {error}"),
            )
        })?,
        Err(_) => 15,
    };
    let key_note = if required_key.is_some() {
        "API key required"
    } else {
        "any API key accepted"
    };
    let models = std::env::var("FAKE_LLM_MODELS")
        .unwrap_or_else(|_| "demo-fast,demo-pro,demo-embed,demo-embed-v2".to_owned())
        .split(',')
        .map(|model| model.trim().to_owned())
        .filter(|model| !model.is_empty())
        .collect();
    let fake = FakeLlm::start(
        &addr,
        Options {
            required_key,
            token_delay: Duration::from_millis(token_delay_ms),
            models,
        },
    )
    .await?;
    writeln!(
        std::io::stderr(),
        "fake-llm listening on {} ({key_note}, {token_delay_ms} ms per streamed word)",
        fake.base_url()
    )?;
    tokio::signal::ctrl_c().await?;
    // Dropping the fake stops the server before the runtime goes away.
    drop(fake);
    Ok(())
}
