use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::form_parts::{AuthCard, FormAlert, SubmitButton, TextField, email_to_fill};
use super::{IdentityButtons, SignUp};
use crate::components::refill;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let refill = refill();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let email = email_to_fill(&refill, query);

    view! {
        <Title text="Create your account" />
        <AuthCard title="Create your account">
            <IdentityButtons next=Signal::derive(next) sso=Signal::derive(move || query.read().get("sso")) />
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <TextField label="Your name" name="display_name" value=refill.get("display_name").cloned() autocomplete="name" error />
                <TextField label="Email" name="email" value=email kind="email" autocomplete="email" error />
                <TextField label="Password (10 characters or more)" name="password" kind="password" autocomplete="new-password" error />
                <FormAlert error />
                <SubmitButton label="Create account" busy_label="Creating your account…" pending=action.pending().into() />
            </ActionForm>
            <p class="mt-4 text-center text-sm text-slate-600 dark:text-slate-400">
                "Already have an account? "
                <A href="/signin" attr:class="font-medium text-indigo-600 underline dark:text-indigo-400">"Sign in"</A>
            </p>
        </AuthCard>
    }
}
