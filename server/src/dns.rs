//! DNS TXT look-ups, for proving a team owns an email domain. The resolver is a trait so
//! the checks can be pointed anywhere; the one used asks the system's name servers, or
//! the one `DNS_RESOLVER` names (the tests' and `make run`'s fake-dns).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;

#[derive(Debug, thiserror::Error)]
#[error("the DNS look-up failed: {0}")]
pub struct DnsError(String);

#[async_trait]
pub trait TxtResolver: Send + Sync + 'static {
    /// The TXT values published at `name`; none when the name has none (or no such name).
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError>;
}

pub type SharedTxtResolver = Arc<dyn TxtResolver>;

/// The system's name servers, or `server` alone.
pub fn resolver(server: Option<SocketAddr>) -> Result<SharedTxtResolver, DnsError> {
    let mut builder = match server {
        Some(address) => {
            let mut name_server = NameServerConfig::udp(address.ip());
            for connection in &mut name_server.connections {
                connection.port = address.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![name_server]),
                TokioRuntimeProvider::default(),
            )
        }
        None => TokioResolver::builder_tokio().map_err(|e| DnsError(e.to_string()))?,
    };
    let options = builder.options_mut();
    // A record just published must be seen at the next "Verify": nothing is cached.
    options.cache_size = 0;
    options.timeout = Duration::from_secs(3);
    options.attempts = 2;
    let resolver = builder.build().map_err(|e| DnsError(e.to_string()))?;
    Ok(Arc::new(Hickory(resolver)))
}

struct Hickory(TokioResolver);

#[async_trait]
impl TxtResolver for Hickory {
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        // Fully qualified: no search domains appended.
        let name = format!("{}.", name.trim_end_matches('.'));
        match self.0.txt_lookup(name.as_str()).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|record| match &record.data {
                    RData::TXT(txt) => Some(
                        txt.txt_data
                            .iter()
                            .map(|part| String::from_utf8_lossy(part))
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect()),
            Err(error) if error.is_no_records_found() => Ok(Vec::new()),
            Err(error) => Err(DnsError(error.to_string())),
        }
    }
}
