//! `fake-stripe`: runs the fake Stripe for local demos and browser tests.
//!
//! Environment: `FAKE_STRIPE_ADDR` (default `127.0.0.1:12111`), `STRIPE_WEBHOOK_SECRET`
//! (signs events; default `whsec_local`), `FAKE_STRIPE_WEBHOOK_URL` (where events go),
//! `FAKE_STRIPE_EVENT_DELAY_MS` (default 500).

use std::io::Write;
use std::time::Duration;

use fake_stripe::{FakeStripe, Options};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let addr = var("FAKE_STRIPE_ADDR").unwrap_or_else(|| "127.0.0.1:12111".to_owned());
    let delay_ms: u64 = var("FAKE_STRIPE_EVENT_DELAY_MS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let fake = FakeStripe::start(
        &addr,
        Options {
            webhook_url: var("FAKE_STRIPE_WEBHOOK_URL"),
            webhook_secret: var("STRIPE_WEBHOOK_SECRET").unwrap_or_else(|| "whsec_local".into()),
            secret_key: None,
            event_delay: Duration::from_millis(delay_ms),
        },
    )
    .await?;
    writeln!(
        std::io::stderr(),
        "fake-stripe listening on {}",
        fake.base_url()
    )?;
    tokio::signal::ctrl_c().await?;
    drop(fake);
    Ok(())
}
