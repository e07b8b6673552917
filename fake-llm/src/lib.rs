//! A fake LLM provider for tests and local demos.
//!
//! It speaks the real wire formats of OpenAI chat completions (`/v1/chat/completions`) and the
//! Anthropic Messages API (`/v1/messages`), streaming and not, so the production HTTP clients
//! can be exercised end to end without a network or an API bill. What each reply does is
//! decided by a [`Behaviour`]: scripted from Rust or over HTTP, written as `[fake:…]`
//! directives in the prompt, or the deterministic default answer.
//!
//! Directives, read from the last user message and the system prompt (the message wins):
//!
//! - `[fake:reply=TEXT]` answers TEXT (up to the first `]`).
//! - `[fake:json={...}]` answers exactly that JSON text (brackets are balanced).
//! - `[fake:tool=NAME {json args}]` calls the tool when the request offers tools and no tool
//!   result came back yet; afterwards it answers `Tool NAME returned: RESULT`.
//! - `[fake:status=CODE]` fails with that status; `[fake:retry_after=SECS]` adds `retry-after`.
//! - `[fake:fail=CODExN#TAG]` fails the first N times this exact directive is seen.
//! - `[fake:cut=N]` drops the connection after N words.
//! - `[fake:slow=MS]` waits before the first byte; `[fake:hang]` never answers.
//!
//! Google Gemini's `/v1beta/models/{model}:generateContent` (and
//! `:streamGenerateContent?alt=sse`) speaks Gemini's format, key in `x-goog-api-key`.
//!
//! Amazon Bedrock's `/model/{modelId}/converse` (and `/converse-stream`, AWS's binary
//! event stream) checks each request's SigV4 signature against the required key
//! (`ACCESS_KEY_ID:SECRET_ACCESS_KEY`); `/foundation-models` lists models.
//!
//! Azure OpenAI's deployment URLs (`/openai/deployments/{name}/…?api-version=…`, key in
//! `api-key`) answer as OpenAI's do.
//!
//! `POST /v1/embeddings` answers every text with the same unit vector each time, built
//! from its words (see `embeddings.rs`), as floats or base64.
//!
//! Control endpoints: `POST /_fake/script` (a behaviour or an array), `DELETE /_fake/script`,
//! `GET /_fake/requests`.

mod admin;
mod anthropic;
mod azure;
mod bedrock;
mod behaviour;
mod conversation;
mod decide;
mod directives;
mod embeddings;
mod exchange;
mod gemini;
mod openai;
mod sample;
mod state;
mod stream;
mod usage;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::watch;

pub use behaviour::Behaviour;
pub use state::RecordedRequest;

use state::Shared;

/// How a [`FakeLlm`] is started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// When set, requests must present exactly this key (`Authorization: Bearer` for OpenAI,
    /// `x-api-key` for Anthropic) or get a 401 in the provider's error format.
    pub required_key: Option<String>,
    /// Pause before each streamed word, so demos look like a model typing. Tests use zero.
    pub token_delay: Duration,
    /// What `GET /v1/models` lists; empty: a few of OpenAI's and Anthropic's models,
    /// for tests where the fake stands in for them. `id|prompt|completion` lists a model
    /// with prices (dollars a token), as OpenRouter does. Requests may name any model.
    pub models: Vec<String>,
}

/// A running fake provider. Dropping it shuts the server down.
pub struct FakeLlm {
    addr: SocketAddr,
    shared: Arc<Shared>,
    // Never read: dropping it is the shutdown signal for the server, hung requests and
    // in-flight streams.
    _shutdown: watch::Sender<()>,
}

impl FakeLlm {
    /// Binds `addr` (e.g. `"127.0.0.1:0"` for a free port) and serves in a background task.
    pub async fn start(addr: &str, options: Options) -> std::io::Result<FakeLlm> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = watch::channel(());
        let shared = Arc::new(Shared::new(options, stopped));
        let app = router(Arc::clone(&shared));
        let mut stopped = shared.shutdown();
        tokio::spawn(async move {
            // axum documents that this never errors: it returns Ok once shutdown completes.
            // Small streamed writes must not wait on the client's delayed ACK.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopped.wait().await })
                .await;
        });
        Ok(FakeLlm {
            addr,
            shared,
            _shutdown: shutdown,
        })
    }

    /// `http://HOST:PORT`, without a trailing slash or `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a behaviour; each provider request consumes one, first in first out.
    pub fn script(&self, behaviour: Behaviour) {
        self.shared.push_script([behaviour]);
    }

    /// Every provider request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// The calls received so far (chat, messages, embeddings), oldest first: the
    /// requests without the model listings a server makes on its own.
    pub fn calls(&self) -> Vec<RecordedRequest> {
        let mut requests = self.shared.requests();
        requests.retain(|request| !request.path.ends_with("/models"));
        requests
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/chat/completions",
            post(exchange::exchange::<openai::OpenAi>),
        )
        .route(
            "/chat/completions",
            post(exchange::exchange::<openai::OpenAi>),
        )
        .route(
            "/v1/messages",
            post(exchange::exchange::<anthropic::Anthropic>),
        )
        .route("/v1/models", get(openai::models))
        .route(
            "/openai/deployments/{deployment}/chat/completions",
            post(azure::chat),
        )
        .route(
            "/openai/deployments/{deployment}/embeddings",
            post(azure::embed),
        )
        .route("/openai/models", get(azure::models))
        .route("/v1beta/models", get(gemini::models))
        .route("/model/{model}/{action}", post(bedrock::converse))
        .route("/foundation-models", get(bedrock::models))
        .route("/v1beta/models/{call}", post(gemini::generate))
        .route("/v1/embeddings", post(embeddings::embeddings))
        .route("/embeddings", post(embeddings::embeddings))
        .route(
            "/_fake/script",
            post(admin::push_script).delete(admin::clear_script),
        )
        .route("/_fake/requests", get(admin::requests))
        .fallback(openai::unknown_url)
        .with_state(shared)
}
