//! The one guard every outbound request from agent tools and webhooks goes through.
//!
//! Agents choose URLs from untrusted input (prompts, web pages, tool output), so without a
//! guard they could be steered at our own network: the database, Redis, the cloud
//! metadata service that hands out credentials. [`GuardedHttp`] therefore:
//!
//! - accepts only http and https URLs without credentials, parsed the way browsers do
//!   (so `http://2130706433/`, `http://0x7f.1/` and `http://[::ffff:7f00:1]/` are all
//!   recognised as 127.0.0.1), and refuses local or internal names before resolving;
//! - checks every address a name resolves to, inside reqwest's resolver, so the
//!   connection goes only to addresses that were checked (no DNS-rebinding window);
//! - follows redirects itself, re-checking each hop;
//! - bounds the whole exchange in time and the body in size.
//!
//! What counts as forbidden is [`forbidden_reason`]; operators can open specific hosts
//! (on-premises services, tests) through [`OutboundPolicy`].

mod address;
mod client;
mod policy;
mod resolver;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use address::forbidden_reason;
pub use client::{GuardedHttp, Limits, OutboundRequest, OutboundResponse};
pub use policy::OutboundPolicy;

/// Why an outbound request was refused or failed. Messages are written for the person
/// reading an agent's tool-call error, and never include request headers or bodies,
/// which may carry secrets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutboundError {
    #[error("invalid URL: {reason}")]
    InvalidUrl { reason: String },
    #[error("the URL scheme '{scheme}' is not allowed: only http and https are")]
    SchemeNotAllowed { scheme: String },
    #[error("URLs with credentials (user:password@) are not allowed; send them in a header")]
    CredentialsInUrl,
    #[error(
        "refused to connect to {host} ({reason}): outbound requests may only reach public \
         internet addresses"
    )]
    ForbiddenDestination { host: String, reason: String },
    #[error("the request header '{name}' has an invalid name or value")]
    InvalidHeader { name: String },
    #[error("could not resolve {host}: {reason}")]
    DnsFailure { host: String, reason: String },
    #[error("stopped after {limit} redirects")]
    TooManyRedirects { limit: u8 },
    #[error("the request did not complete within {after:?} (including redirects and the body)")]
    TimedOut { after: Duration },
    #[error("the request failed: {message}")]
    Transport { message: String },
    #[error("could not set up the HTTP client: {message}")]
    ClientBuild { message: String },
}
