use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::form_parts::{AuthCard, FormAlert, LinkGate, SubmitButton};
use super::{VerifyEmail, verify_link_is_live};

/// Where a verification link lands: a button that confirms (a POST), or why it cannot;
/// after confirming (`?done`) or asking for a new link (`?sent`), what happened.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let live = Resource::new(token, verify_link_is_live);
    let confirm = move || {
        view! {
            <LinkGate live expired=|| view! {
                <p role="alert" class="text-sm">
                    "This link has expired or was already used. Sign in: the banner at the top sends a new one."
                </p>
            }>
                <ActionForm action>
                    <input type="hidden" name="token" value=token() />
                    <FormAlert error />
                    <SubmitButton label="Confirm my email address" busy_label="Confirming…" pending=action.pending().into() />
                </ActionForm>
            </LinkGate>
        }
    };

    view! {
        <Title text="Confirm your email address" />
        <AuthCard title="Confirm your email address">
            {move || {
                let query = query.read();
                if query.get("done").is_some() {
                    view! { <p role="status" class="text-sm">"Your email address is confirmed. Thank you."</p> }.into_any()
                } else if query.get("sent").is_some() {
                    view! {
                        <p role="status" class="text-sm">
                            <strong>"A new link is on its way. "</strong>
                            "Open it from your inbox; it works once, for seven days."
                        </p>
                    }.into_any()
                } else {
                    confirm().into_any()
                }
            }}
            <p class="mt-4 text-center text-sm">
                <A href="/dashboard" attr:class="font-medium text-indigo-600 underline dark:text-indigo-400">"Go to the dashboard"</A>
            </p>
        </AuthCard>
    }
}
