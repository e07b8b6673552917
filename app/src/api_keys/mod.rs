//! Settings → API keys: keys for the REST API and the gateway, shown once, stored only
//! as a hash.

mod api_keys_page;
mod server_fns;
mod types;

pub use api_keys_page::ApiKeysPage;
pub use server_fns::{CreateApiKey, RevokeApiKey, list_api_keys};
pub use types::*;
