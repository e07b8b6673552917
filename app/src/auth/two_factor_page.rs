use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::SignInWithCode;
use super::form_parts::{AuthCard, FormAlert, SubmitButton, TextField};

/// The second step of signing in to an account with two-factor: the code from the
/// authenticator app, or one of the recovery codes.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let action = ServerAction::<SignInWithCode>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();

    view! {
        <Title text="Two-factor sign-in" />
        <AuthCard title="Enter your code">
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                "Open your authenticator app and enter the six-digit code for Agent Factory. Lost your phone? Enter one of your recovery codes instead."
            </p>
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <TextField label="Code" name="code" autocomplete="one-time-code" error />
                <FormAlert error />
                <SubmitButton label="Sign in" busy_label="Checking…" pending=action.pending().into() />
            </ActionForm>
            <p class="mt-4 text-center text-sm">
                <A href="/signin" attr:class="text-indigo-600 underline dark:text-indigo-400">"Start again with your password"</A>
            </p>
        </AuthCard>
    }
}
