//! Agent Factory's web application: the routes, pages and components rendered on the
//! server (feature `ssr`) and hydrated in the browser (feature `hydrate`).

pub mod agents;
pub mod api_keys;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod billing;
mod components;
pub mod dashboard;
pub mod error;
pub mod layout;
pub mod marketplace;
mod pages;
pub mod profile;
pub mod providers;
mod response_status;
mod routes;
pub mod runs;
#[cfg(feature = "ssr")]
mod safe_redirect;
pub mod spec;
pub mod teams;
pub mod webhooks;

pub use routes::App;

use leptos::prelude::*;
use leptos_meta::MetaTags;

/// Whether this response loads the WASM client: every page does but the
/// [`routes::CLIENT_FREE_PAGES`], which work as plain HTML (and, without hydration
/// scripts, preload none of the client's chunks either).
fn ships_client() -> bool {
    #[cfg(feature = "ssr")]
    return leptos::prelude::use_context::<http::request::Parts>()
        .is_none_or(|parts| !routes::CLIENT_FREE_PAGES.contains(&parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    true
}

/// The HTML document around [`App`]; the server renders it for every page request.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                {ships_client().then(|| view! {
                    <AutoReload options=options.clone() />
                    <HydrationScripts options />
                })}
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}
