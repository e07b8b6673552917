use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::form_parts::{AuthCard, FormAlert, LinkGate, SubmitButton, TextField};
use super::{ResetPassword, reset_link_is_live};

/// Where a reset link lands: the form for the new password while the link is live, or
/// a way to ask for a new one.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let token = move || use_query_map().read().get("token").unwrap_or_default();
    let live = Resource::new(token, reset_link_is_live);

    view! {
        <Title text="Choose a new password" />
        <AuthCard title="Choose a new password">
            <LinkGate live expired=|| view! {
                <p role="alert" class="text-sm">
                    "This link has expired or was already used. Links work once, for one hour."
                </p>
                <p class="mt-4 text-sm">
                    <A href="/forgot-password" attr:class="font-medium text-indigo-600 underline dark:text-indigo-400">"Send a new link"</A>
                </p>
            }>
                <ActionForm action>
                    <input type="hidden" name="token" value=token() />
                    <TextField label="New password (10 characters or more)" name="password" kind="password" autocomplete="new-password" error />
                    <FormAlert error />
                    <SubmitButton label="Save the new password" busy_label="Saving…" pending=action.pending().into() />
                </ActionForm>
                <p class="mt-4 text-xs text-slate-600 dark:text-slate-400">"Saving signs you out on every device."</p>
            </LinkGate>
        </AuthCard>
    }
}
