//! Settings → Providers: which LLM providers the team can use, and the team's own API
//! keys (stored encrypted, shown masked). Also the "demo model" notice.

mod demo_banner;
mod providers_page;
mod routing_order;
mod secrets_card;
mod server_fns;
mod types;

pub use demo_banner::DemoBanner;
pub use providers_page::ProvidersPage;
pub use server_fns::{
    RemoveProviderKey, RemoveSecret, SaveProviderKey, SaveSecret, SetRoutingOrder, check_providers,
    get_engine_notice, get_providers,
};
pub use types::*;
