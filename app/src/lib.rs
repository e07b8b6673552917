//! Agent Factory's web application: the routes, pages and components rendered on the
//! server (feature `ssr`), and the islands among them that hydrate in the browser
//! (feature `hydrate`). Pages are server components; what must react in the browser (a
//! live run, the editor, a copy button, parts that follow the server) is an `#[island]`,
//! and only islands ship code: a page that renders none loads no client. Forms are plain
//! posts that come back to their page, which shows what they answered once
//! (`backend::flash`). Navigation is the browser's own: a link loads the next page,
//! server-rendered, and the client's code comes from the cache.

pub mod agents;
pub mod api_keys;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod billing;
pub mod catalog;
mod components;
pub mod conversations;
pub mod dashboard;
pub mod error;
pub mod islands;
pub mod knowledge;
pub mod layout;
pub mod marketplace;
mod pages;
pub mod profile;
pub mod providers;
mod query_string;
mod response_status;
mod routes;
pub mod runs;
#[cfg(feature = "ssr")]
pub mod safe_redirect;
pub mod spec;
pub mod team_sso;
pub mod teams;
pub mod webhooks;

pub use routes::{App, CLIENT_FREE_PAGES, PUBLIC_PAGES};

use leptos::prelude::*;
use leptos_meta::MetaTags;

/// Whether this response loads the WASM client: every page does but the
/// [`routes::CLIENT_FREE_PAGES`], which have no island and work as plain HTML.
fn ships_client() -> bool {
    #[cfg(feature = "ssr")]
    return leptos::prelude::use_context::<http::request::Parts>()
        .is_none_or(|parts| !routes::is_client_free(parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    true
}

/// The HTML document around [`App`]; the server renders it for every page request.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let client = ships_client();
    // Islands mode: only islands carry hydration markers and serialized data.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <MetaTags />
                {client.then(|| view! {
                    <AutoReload options=options.clone() />
                    <islands::IslandsLoader options />
                })}
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}
