//! `fake-dns`: the name server `make run` and the browser tests prove domains with.
//!
//! Environment: `FAKE_DNS_ADDR` (UDP, default `127.0.0.1:2553`) and `FAKE_DNS_API_ADDR`
//! (HTTP, default `127.0.0.1:2554`). Publish a record with
//! `curl -X PUT http://127.0.0.1:2554/records/_agent-factory.example.com -d 'value'`.

use std::io::Write;

use fake_dns::FakeDns;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let var = |name: &str, default: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let fake = FakeDns::start(
        &var("FAKE_DNS_ADDR", "127.0.0.1:2553"),
        &var("FAKE_DNS_API_ADDR", "127.0.0.1:2554"),
    )
    .await?;
    writeln!(
        std::io::stderr(),
        "fake-dns: DNS on {} (UDP), records at {}/records",
        fake.dns_addr(),
        fake.api()
    )?;
    tokio::signal::ctrl_c().await?;
    drop(fake);
    Ok(())
}
