//! openidconnect's HTTP client is ours: discovery, the JWKS and the code exchange go
//! through the SSRF guard like every other outbound request (an issuer's documents name
//! further URLs, which are as untrusted as any).

use std::future::Future;
use std::pin::Pin;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

use crate::ssrf::{GuardedHttp, OutboundError, OutboundRequest};

#[derive(Clone)]
pub struct GuardedOidcHttp(pub GuardedHttp);

#[derive(Debug, thiserror::Error)]
#[error("identity provider request: {0}")]
pub struct OidcHttpError(String);

impl From<OutboundError> for OidcHttpError {
    fn from(error: OutboundError) -> Self {
        OidcHttpError(error.to_string())
    }
}

impl<'c> AsyncHttpClient<'c> for GuardedOidcHttp {
    type Error = OidcHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, OidcHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let headers = parts
                .headers
                .iter()
                .map(|(name, value)| {
                    let value = value.to_str().map_err(|e| OidcHttpError(e.to_string()))?;
                    Ok((name.as_str().to_owned(), value.to_owned()))
                })
                .collect::<Result<Vec<_>, OidcHttpError>>()?;
            let response = self
                .0
                .send(OutboundRequest {
                    method: parts.method,
                    url: parts.uri.to_string(),
                    headers,
                    body: (!body.is_empty()).then_some(body),
                    // A provider's endpoints answer directly; a redirect is not followed.
                    follow_redirects: false,
                })
                .await?;
            let mut answer = http::Response::new(response.body.to_vec());
            *answer.status_mut() = http::StatusCode::from_u16(response.status)
                .map_err(|e| OidcHttpError(e.to_string()))?;
            *answer.headers_mut() = response.headers;
            Ok(answer)
        })
    }
}
