//! DNS resolution that only ever hands reqwest addresses it has checked.
//!
//! reqwest connects to exactly the addresses its resolver returns, so checking them here
//! (rather than resolving once to check and letting reqwest resolve again to connect)
//! leaves no window for DNS rebinding.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::{OutboundError, OutboundPolicy, forbidden_reason};

pub(super) struct GuardedResolver {
    pub(super) policy: Arc<OutboundPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let addresses = resolve_checked(&policy, name.as_str()).await?;
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// Resolves `host` and fails if ANY address is forbidden: an attacker's DNS answer mixing
/// a public and a private address must not get a connection attempt to the private one.
async fn resolve_checked(
    policy: &OutboundPolicy,
    host: &str,
) -> Result<Vec<SocketAddr>, OutboundError> {
    let dns_failure = |reason: String| OutboundError::DnsFailure {
        host: host.to_owned(),
        reason,
    };
    // Port 0: reqwest substitutes the URL's port.
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|error| dns_failure(error.to_string()))?
        .collect();
    if addresses.is_empty() {
        return Err(dns_failure("the name has no addresses".to_owned()));
    }
    if !policy.allows_name(host) {
        for address in &addresses {
            if let Some(reason) = forbidden_reason(address.ip()) {
                return Err(OutboundError::ForbiddenDestination {
                    host: host.to_owned(),
                    reason: format!("it resolves to the {reason} address {}", address.ip()),
                });
            }
        }
    }
    Ok(addresses)
}
