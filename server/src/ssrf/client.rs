//! The guarded HTTP client: one reqwest client, redirects followed by hand.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use super::resolver::GuardedResolver;
use super::{OutboundError, OutboundPolicy};

const USER_AGENT: &str = "AgentFactory/1 (+https://agentfactory.dev)";

/// Unreachable hosts often swallow packets rather than refuse them; give up on
/// connecting well before a long total budget runs out.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Bounds on one exchange, so a hostile or broken server cannot hold an agent run or
/// fill memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of body kept; the rest is dropped and the response marked truncated.
    pub max_body_bytes: usize,
    /// The whole exchange: every redirect hop and reading the body.
    pub total_timeout: Duration,
    pub max_redirects: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            total_timeout: Duration::from_secs(15),
            max_redirects: 5,
        }
    }
}

/// No `Debug`: headers and body may carry secrets that must not reach logs.
#[derive(Clone)]
pub struct OutboundRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub follow_redirects: bool,
}

#[derive(Debug, Clone)]
pub struct OutboundResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The server sent more than `Limits::max_body_bytes`; `body` holds the start.
    pub truncated: bool,
    /// Where the response came from, after any redirects.
    pub final_url: Url,
}

/// Cheap to clone: every clone shares one connection pool.
#[derive(Debug, Clone)]
pub struct GuardedHttp {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    policy: Arc<OutboundPolicy>,
    limits: Limits,
}

impl GuardedHttp {
    pub fn new(policy: OutboundPolicy, limits: Limits) -> Result<Self, OutboundError> {
        let policy = Arc::new(policy);
        let resolver = GuardedResolver {
            policy: Arc::clone(&policy),
        };
        let client = reqwest::Client::builder()
            // Redirects are followed in `send` so that every hop is checked.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            // A proxy would resolve and connect on our behalf, past the guard.
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT.min(limits.total_timeout))
            .user_agent(USER_AGENT)
            .build()
            .map_err(|error| OutboundError::ClientBuild {
                message: describe(&error),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                policy,
                limits,
            }),
        })
    }

    /// Sends `request` if its destination is allowed, following redirects when asked.
    pub async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let after = self.inner.limits.total_timeout;
        tokio::time::timeout(after, self.exchange(request))
            .await
            .map_err(|_| OutboundError::TimedOut { after })?
    }

    async fn exchange(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let OutboundRequest {
            mut method,
            url,
            headers,
            body,
            follow_redirects,
        } = request;
        let mut url = self.inner.policy.check_url(&url)?;
        let mut headers = header_map(&headers)?;
        let mut body = body.map(Bytes::from);
        let mut redirects = 0;
        loop {
            let response = self
                .fetch_once(&method, &url, &headers, body.clone())
                .await?;
            let next = if follow_redirects {
                redirect_target(&response, &url)?
            } else {
                None
            };
            let Some(next) = next else {
                return read_limited(response, url, self.inner.limits.max_body_bytes).await;
            };
            if redirects == self.inner.limits.max_redirects {
                return Err(OutboundError::TooManyRedirects {
                    limit: self.inner.limits.max_redirects,
                });
            }
            redirects += 1;
            self.inner.policy.check(&next)?;
            // What browsers do: 303 always, and 301/302 after a POST, become a GET.
            let status = response.status();
            let becomes_get = status == StatusCode::SEE_OTHER
                || (method == Method::POST
                    && matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND));
            if becomes_get {
                method = Method::GET;
                body = None;
                headers.remove(header::CONTENT_TYPE);
                headers.remove(header::CONTENT_LENGTH);
            }
            // Credentials meant for one site must not follow a redirect to another.
            if next.origin() != url.origin() {
                for name in [
                    header::AUTHORIZATION,
                    header::PROXY_AUTHORIZATION,
                    header::COOKIE,
                ] {
                    headers.remove(name);
                }
            }
            url = next;
        }
    }

    /// One request with no redirect handling. `url` must already have passed the policy:
    /// only the resolver's address check happens here. (Visible to the tests, which call
    /// it to reach the resolver past the name check.)
    pub(super) async fn fetch_once(
        &self,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, OutboundError> {
        let mut builder = self
            .inner
            .client
            .request(method.clone(), url.clone())
            .headers(headers.clone());
        if let Some(body) = body {
            builder = builder.body(body);
        }
        builder.send().await.map_err(transport_error)
    }
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, OutboundError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let invalid = || OutboundError::InvalidHeader { name: name.clone() };
        let header_name = HeaderName::try_from(name.as_str()).map_err(|_| invalid())?;
        let header_value = HeaderValue::try_from(value.as_str()).map_err(|_| invalid())?;
        map.append(header_name, header_value);
    }
    Ok(map)
}

/// Where a redirect response points, resolved against the URL that produced it; `None`
/// when `response` is not a redirect or names no location (it is then the answer).
fn redirect_target(
    response: &reqwest::Response,
    current: &Url,
) -> Result<Option<Url>, OutboundError> {
    let is_redirect = matches!(
        response.status(),
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    );
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .filter(|_| is_redirect)
    else {
        return Ok(None);
    };
    let invalid = || OutboundError::InvalidUrl {
        reason: "the server redirected to an invalid location".to_owned(),
    };
    let location = location.to_str().map_err(|_| invalid())?;
    current.join(location).map(Some).map_err(|_| invalid())
}

/// Reads the body chunk by chunk, keeping at most `max_body_bytes`: a response that is
/// too large is still useful to an agent, so it is cut short rather than refused.
async fn read_limited(
    mut response: reqwest::Response,
    final_url: Url,
    max_body_bytes: usize,
) -> Result<OutboundResponse, OutboundError> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = BytesMut::new();
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        let room = max_body_bytes - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(OutboundResponse {
        status,
        headers,
        body: body.freeze(),
        truncated,
        final_url,
    })
}

/// Turns a reqwest error into ours. A refusal from [`GuardedResolver`] arrives wrapped in
/// reqwest's and hyper's errors and is dug out so the user sees why; anything else keeps
/// only its message, without the URL (its query may hold an API key).
fn transport_error(error: reqwest::Error) -> OutboundError {
    let mut source: Option<&(dyn Error + 'static)> = Some(&error);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<OutboundError>() {
            return refusal.clone();
        }
        source = current.source();
    }
    OutboundError::Transport {
        message: describe(&error.without_url()),
    }
}

/// An error and its causes on one line: reqwest's own message alone ("error sending
/// request") does not say what went wrong.
fn describe(error: &dyn Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
