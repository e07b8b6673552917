//! `/sso`: where people whose team signs in through its own provider start. A plain GET
//! form to `/sso/start`, which finds the team by the email's domain and sends the
//! browser to the provider; refusals come back here as `?error=<code>`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::auth::form_parts::AuthCard;
use crate::auth::refusal;

/// What a refused team sign-in says, by its code: the team's own refusals, then those
/// every provider shares.
fn reason(code: &str) -> Option<&'static str> {
    Some(match code {
        "unknown_domain" => {
            "No team signs in with single sign-on for that email's domain. Sign in with your password or another provider instead."
        }
        "outside_domain" => {
            "Your identity provider gave an email outside the team's verified domains, so you were not signed in."
        }
        "not_enterprise" => "That team's plan no longer includes single sign-on. Ask its owner.",
        other => return refusal(other),
    })
}

#[component]
pub fn SsoSignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    let email = query.read_untracked().get("email").unwrap_or_default();
    // `?error=` from the team's own legs, `?sso=` from those shared with every provider.
    let error = query
        .read_untracked()
        .get("error")
        .or_else(|| query.read_untracked().get("sso"))
        .and_then(|code| reason(&code));
    view! {
        <Title text="Sign in with single sign-on" />
        <AuthCard title="Sign in with single sign-on">
            {error.map(|text| view! {
                <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:bg-rose-950 dark:text-rose-200">{text}</p>
            })}
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                "Enter your work email: we send you to your team's identity provider."
            </p>
            <form method="get" action="/sso/start">
                <input type="hidden" name="next" value=next />
                <label class="block text-sm font-medium" for="sso-email">"Work email"</label>
                <input id="sso-email" name="email" type="email" required autocomplete="email" value=email
                    class="mt-1 mb-4 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-950" />
                <button type="submit" class="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500">
                    "Continue"
                </button>
            </form>
            <p class="mt-4 text-center text-sm text-slate-600 dark:text-slate-400">
                <A href="/signin" attr:class="font-medium text-indigo-600 underline dark:text-indigo-400">"Sign in another way"</A>
            </p>
        </AuthCard>
    }
}
