//! `fake-oidc`: the identity provider `make run` and the browser tests sign in through.
//!
//! Environment: `FAKE_OIDC_ADDR` (default `127.0.0.1:2590`), `FAKE_OIDC_CLIENT_ID`
//! (default `agent-factory-local`) and `FAKE_OIDC_CLIENT_SECRET` (default
//! `local-oidc-secret`): what the app's `OIDC_*` settings name.

use std::io::Write;

use fake_oidc::{FakeOidc, Options};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let var = |name: &str, default: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let options = Options {
        client_id: var("FAKE_OIDC_CLIENT_ID", "agent-factory-local"),
        client_secret: var("FAKE_OIDC_CLIENT_SECRET", "local-oidc-secret"),
    };
    let fake = FakeOidc::start(&var("FAKE_OIDC_ADDR", "127.0.0.1:2590"), options).await?;
    writeln!(std::io::stderr(), "fake-oidc: issuer {}", fake.issuer())?;
    tokio::signal::ctrl_c().await?;
    drop(fake);
    Ok(())
}
