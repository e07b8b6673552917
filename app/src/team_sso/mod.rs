//! Team single sign-on (Enterprise plan): Settings → Single sign-on, where owners name
//! the team's OpenID Connect provider and prove its email domains, and `/sso`, where
//! people of those domains start signing in.

mod server_fns;
mod settings_page;
mod sign_in_page;
mod types;

pub use server_fns::{
    AddSsoDomain, ConfigureSso, RemoveSso, RemoveSsoDomain, RequireSso, VerifySsoDomain,
    get_sso_overview,
};
pub use settings_page::SsoPage;
pub use sign_in_page::SsoSignInPage;
pub use types::*;
