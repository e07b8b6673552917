//! A fake Stripe for tests and local demos: the part of Stripe's API Agent Factory calls
//! (customers, Checkout sessions, customer-portal sessions, Connect accounts and account
//! links), over HTTP, form-encoded in and JSON out as Stripe does, honouring
//! `Idempotency-Key`. Its hosted pages stand in for Stripe's: "Pay" on the Checkout page
//! completes the session and sends the signed events Stripe would send
//! (`checkout.session.completed`, and `customer.subscription.created` for a
//! subscription) to the configured webhook URL, then returns the browser to the
//! session's success URL. The portal page can cancel the subscription. Tests read every
//! API call back with [`FakeStripe::requests`].

mod api;
mod events;
mod pages;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::watch;

pub use events::sign;
pub use state::RecordedRequest;
use state::Shared;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where events are posted (`/webhooks/stripe` of the app); settable later.
    pub webhook_url: Option<String>,
    /// The endpoint's signing secret (`whsec_…`).
    pub webhook_secret: String,
    /// When set, API calls must carry exactly this secret key.
    pub secret_key: Option<String>,
    /// Wait before sending an event, as Stripe does not send at once either.
    pub event_delay: Duration,
}

/// A running fake. Dropping it stops the server.
pub struct FakeStripe {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _shutdown: watch::Sender<()>,
}

impl FakeStripe {
    pub async fn start(addr: &str, options: Options) -> std::io::Result<FakeStripe> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, mut stopped) = watch::channel(());
        let shared = Arc::new(Shared::new(options, format!("http://{addr}")));
        let app = router(Arc::clone(&shared));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await;
        });
        Ok(FakeStripe {
            addr,
            shared,
            _shutdown: shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_webhook_url(&self, url: &str) {
        self.shared.set_webhook_url(url);
    }

    /// Every API call so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/customers", post(api::create_customer))
        .route("/v1/checkout/sessions", post(api::create_checkout_session))
        .route(
            "/v1/billing_portal/sessions",
            post(api::create_portal_session),
        )
        .route("/v1/accounts", post(api::create_account))
        .route("/v1/account_links", post(api::create_account_link))
        .route("/checkout/{id}", get(pages::checkout))
        .route("/checkout/{id}/pay", post(pages::pay))
        .route("/portal/{id}", get(pages::portal))
        .route("/portal/{id}/cancel", post(pages::cancel_subscription))
        .route("/connect/{id}", get(pages::connect))
        .with_state(shared)
}
