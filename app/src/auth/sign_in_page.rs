use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::form_parts::{AuthCard, FormAlert, SubmitButton, TextField, email_to_fill};
use super::{IdentityButtons, SignIn};
use crate::components::refill;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let refill = refill();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let email = email_to_fill(&refill, query);
    let after_reset = move || query.read().get("reset").is_some();
    let sso = Signal::derive(move || query.read().get("sso"));

    view! {
        <Title text="Sign in" />
        <AuthCard title="Sign in to Agent Factory">
            <Show when=after_reset>
                <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">
                    "Your password was changed and every session ended. Sign in with the new one."
                </p>
            </Show>
            <IdentityButtons next=Signal::derive(next) sso />
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <TextField label="Email" name="email" value=email kind="email" autocomplete="email" error />
                <TextField label="Password" name="password" kind="password" autocomplete="current-password" error />
                <FormAlert error />
                <SubmitButton label="Sign in" busy_label="Signing in…" pending=action.pending().into() />
            </ActionForm>
            <p class="mt-3 flex flex-wrap justify-center gap-x-4 gap-y-1 text-sm">
                <A href="/forgot-password" attr:class="text-indigo-600 underline dark:text-indigo-400">"Forgot your password?"</A>
                <a href=move || sso_link(&next()) class="text-indigo-600 underline dark:text-indigo-400">"Sign in with single sign-on"</a>
            </p>
            <p class="mt-4 text-center text-sm text-slate-600 dark:text-slate-400">
                "New here? "
                <A href="/signup" attr:class="font-medium text-indigo-600 underline dark:text-indigo-400">"Create an account"</A>
            </p>
        </AuthCard>
    }
}

/// `/sso`, keeping where to land after.
fn sso_link(next: &str) -> String {
    if next.is_empty() {
        "/sso".to_owned()
    } else {
        format!("/sso?next={}", crate::query_string::encode(next))
    }
}
