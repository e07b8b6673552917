//! Settings → Webhooks: endpoints that receive signed events (run.succeeded, run.failed,
//! template.purchased), their deliveries, and Resend.

mod server_fns;
mod types;
mod webhooks_page;

pub use server_fns::*;
pub use types::*;
pub use webhooks_page::WebhooksPage;
