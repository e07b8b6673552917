//! `fake-smtp`: the SMTP sink `make run` and the browser tests send mail to.
//!
//! Environment: `FAKE_SMTP_ADDR` (SMTP, default `127.0.0.1:2525`) and
//! `FAKE_SMTP_WEB_ADDR` (the inbox, default `127.0.0.1:2580`).

use std::io::Write;

use fake_smtp::FakeSmtp;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let var = |name: &str, default: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let fake = FakeSmtp::start_with_inbox(
        &var("FAKE_SMTP_ADDR", "127.0.0.1:2525"),
        &var("FAKE_SMTP_WEB_ADDR", "127.0.0.1:2580"),
    )
    .await?;
    writeln!(
        std::io::stderr(),
        "fake-smtp listening on {}, inbox at {}",
        fake.smtp_url(),
        fake.web_url().unwrap_or_default()
    )?;
    tokio::signal::ctrl_c().await?;
    drop(fake);
    Ok(())
}
