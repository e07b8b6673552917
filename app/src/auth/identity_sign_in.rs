//! Signing in through an identity provider: the buttons on the sign-in and sign-up pages
//! (plain links to `/auth/<id>/start`, so they work without JavaScript) and what a
//! refused attempt says (`?sso=<code>`).

use leptos::prelude::*;

use crate::error::AppError;
use crate::profile::IdentityProvider;

#[server(prefix = "/api", endpoint = "auth/identity_providers")]
pub async fn identity_providers() -> Result<Vec<IdentityProvider>, AppError> {
    use crate::backend;
    backend::respond(Ok(backend::accounts()?.identity_providers()))
}

/// What a refused sign-in through a provider says, by the code in `?sso=`.
pub fn refusal(code: &str) -> Option<&'static str> {
    Some(match code {
        "expired" => "That sign-in took too long or was already used. Try again.",
        "unavailable" => {
            "The identity provider could not be reached. Try again, or sign in with your password."
        }
        "refused" => "The identity provider's answer did not check out, so you were not signed in.",
        "unverified" => {
            "An account uses that email, but the provider did not confirm the address. Sign in with your password, then link the provider in Settings → Profile."
        }
        "no_email" => {
            "The provider did not share a confirmed email address, so no account could be made. Sign up with a password instead."
        }
        "linked_elsewhere" => "That identity is linked to another Agent Factory account.",
        "sso_required" => {
            "Your team signs in through its own identity provider: use “Sign in with single sign-on”."
        }
        "cancelled" => "Sign-in was cancelled.",
        _ => return None,
    })
}

/// The providers configured on this server. The sign-in and sign-up pages ship no
/// client, so they read them while rendering, with nothing to wait for (a page without
/// JavaScript never sees content streamed in late).
fn configured() -> Vec<IdentityProvider> {
    #[cfg(feature = "ssr")]
    return crate::backend::accounts()
        .map(|accounts| accounts.identity_providers())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    Vec::new()
}

/// "Continue with …" for each configured provider, and why the last attempt failed.
#[component]
pub fn IdentityButtons(next: Signal<String>, sso: Signal<Option<String>>) -> impl IntoView {
    let providers = configured();
    let next = crate::query_string::encode(&next.get_untracked());
    view! {
        {move || sso.get().and_then(|code| refusal(&code)).map(|text| view! {
            <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:bg-rose-950 dark:text-rose-200">{text}</p>
        })}
        {(!providers.is_empty()).then(|| view! {
            <div class="mb-4 space-y-2" data-testid="identity-providers">
                {providers.into_iter().map(|provider| {
                    let href = format!("/auth/{}/start?next={next}", provider.id);
                    view! {
                        <a href=href rel="external" class="block w-full rounded-md border border-slate-300 px-4 py-2 text-center text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                            "Continue with " {provider.label}
                        </a>
                    }
                }).collect_view()}
                <p class="text-center text-xs text-slate-500 dark:text-slate-400">"or with your email"</p>
            </div>
        })}
    }
}
