use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::form_parts::{AuthCard, FormAlert, LinkGate, SubmitButton};
use super::{ConfirmEmailChange, email_change_link_is_live};

/// Where the link to a new address lands: a button that moves the account (a POST), or
/// why it cannot; after confirming (`?done`), what happened.
#[component]
pub fn ChangeEmailPage() -> impl IntoView {
    let action = ServerAction::<ConfirmEmailChange>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let live = Resource::new(token, email_change_link_is_live);
    let done = move || query.read().get("done").is_some();

    view! {
        <Title text="Confirm your new email address" />
        <AuthCard title="Confirm your new email address">
            <Show
                when=done
                fallback=move || view! {
                    <LinkGate live expired=|| view! {
                        <p role="alert" class="text-sm">
                            "This link has expired or was already used. Ask for a new one in Settings → Profile."
                        </p>
                    }>
                        <ActionForm action>
                            <input type="hidden" name="token" value=token() />
                            <FormAlert error />
                            <SubmitButton label="Use this address" busy_label="Confirming…" pending=action.pending().into() />
                        </ActionForm>
                    </LinkGate>
                }
            >
                <p role="status" class="text-sm">"Done: sign in with your new address from now on."</p>
            </Show>
            <p class="mt-4 text-center text-sm">
                <A href="/settings/profile" attr:class="font-medium text-indigo-600 underline dark:text-indigo-400">"Back to your profile"</A>
            </p>
        </AuthCard>
    }
}
