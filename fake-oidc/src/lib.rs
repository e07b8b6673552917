//! A fake OpenID Connect provider for tests and local demos, speaking the real protocol
//! over HTTP: the discovery document, its JWKS (RS256), a sign-in page at
//! `/authorize` (authorization code with PKCE, S256 only) and a token endpoint
//! (`client_secret_basic` or `client_secret_post`) that issues signed ID tokens with the
//! nonce, audience, expiry and `at_hash` a real provider sets. The sign-in page picks who
//! signs in, whether the provider vouches for their email, and a fault to put in the
//! token (wrong nonce, wrong audience, expired, bad signature), so tests can watch the
//! app refuse each. The same sign-in also answers as GitHub does (OAuth 2 at
//! `/login/oauth/…`, then `/user` and `/user/emails` with the access token), for the
//! GitHub sign-in.

mod flow;
mod github;
mod keys;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::watch;

pub use flow::Fault;
use flow::Provider;

/// The one client the fake knows.
#[derive(Debug, Clone)]
pub struct Options {
    pub client_id: String,
    pub client_secret: String,
}

/// A running fake. Dropping it stops the server.
pub struct FakeOidc {
    addr: SocketAddr,
    _shutdown: watch::Sender<()>,
}

impl FakeOidc {
    pub async fn start(addr: &str, options: Options) -> std::io::Result<FakeOidc> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let keys = keys::Keys::load().map_err(std::io::Error::other)?;
        let provider = Arc::new(Provider::new(
            format!("http://{addr}"),
            options.client_id,
            options.client_secret,
            keys,
        ));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(flow::authorize_page).post(flow::consent))
            .route("/token", axum::routing::post(flow::token))
            // The same sign-in as GitHub's OAuth 2 and API spell it.
            .route("/login/oauth/authorize", get(flow::authorize_page))
            .route(
                "/login/oauth/access_token",
                axum::routing::post(flow::token),
            )
            .route("/user", get(github::user))
            .route("/user/emails", get(github::emails))
            .with_state(provider);
        let (shutdown, mut stopped) = watch::channel(());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await;
        });
        Ok(FakeOidc {
            addr,
            _shutdown: shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`: the issuer, and where discovery starts.
    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn discovery(State(provider): State<Arc<Provider>>) -> axum::Json<Value> {
    let issuer = &provider.issuer;
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email", "profile"],
        "claims_supported": ["sub", "email", "email_verified", "name"],
    }))
}

async fn jwks(State(provider): State<Arc<Provider>>) -> axum::Json<Value> {
    axum::Json(provider.keys.jwks())
}
