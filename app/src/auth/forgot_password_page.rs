use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::RequestPasswordReset;
use super::form_parts::{AuthCard, FormAlert, SubmitButton, TextField};
use crate::components::refill;

/// Asks for the account's email and sends a reset link to it. After the post, the same
/// "check your email" whether or not the address has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let typed = refill().get("email").cloned();
    let sent = move || use_query_map().read().get("sent").is_some();

    view! {
        <Title text="Reset your password" />
        <AuthCard title="Reset your password">
            <Show
                when=sent
                fallback=move || {
                    let typed = typed.clone();
                    view! {
                    <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                        "Enter the email you signed up with. We will send you a link to choose a new password."
                    </p>
                    <ActionForm action>
                        <TextField label="Email" name="email" value=typed kind="email" autocomplete="email" error />
                        <FormAlert error />
                        <SubmitButton label="Send the link" busy_label="Sending…" pending=action.pending().into() />
                    </ActionForm>
                    }
                }
            >
                <p role="status" class="text-sm">
                    <strong>"Check your email. "</strong>
                    "If an account uses that address, a link to choose a new password is on its way. It works once, for one hour."
                </p>
            </Show>
            <p class="mt-4 text-center text-sm text-slate-600 dark:text-slate-400">
                "Remembered it? "
                <A href="/signin" attr:class="font-medium text-indigo-600 underline dark:text-indigo-400">"Sign in"</A>
            </p>
        </AuthCard>
    }
}
