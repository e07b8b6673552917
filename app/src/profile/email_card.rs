use leptos::prelude::*;

use super::EmailChange;
use crate::auth::RequestEmailChange;
use crate::auth::form_parts::{FormAlert, SubmitButton, TextField};
use crate::components::shown_once;
use crate::layout::ViewerResource;

/// The account's address, and a way to move it: the current password confirms, and the
/// new address must be read (a link goes to it) before the account moves. What the
/// request did shows once on the page its post comes back to; after a failed one, the
/// address typed (`typed_email`) is filled in again.
#[component]
pub fn EmailCard(
    card: &'static str,
    viewer: ViewerResource,
    typed_email: Option<String>,
) -> impl IntoView {
    let change = ServerAction::<RequestEmailChange>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let outcome = shown_once::<EmailChange>("email-change").map(|change| match change {
        EmailChange::LinkSent { email } => format!(
            "We sent a link to {email}. Your address changes when you follow it; your current address was told."
        ),
        EmailChange::Changed { email } => format!("Your address is now {email}."),
    });
    view! {
        <section class=card aria-labelledby="profile-email">
            <h2 id="profile-email" class="mb-1 font-medium">"Email address"</h2>
            <Suspense fallback=|| ()>
                {move || {
                    let typed_email = typed_email.clone();
                    Suspend::new(async move {
                        let viewer = viewer.await.ok().flatten();
                        let email = viewer.as_ref().map(|v| v.email.clone()).unwrap_or_default();
                        let passwordless = viewer.is_some_and(|v| v.passwordless);
                        view! {
                            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                                "You sign in with " <strong>{email}</strong> "."
                            </p>
                            {if passwordless {
                                view! { <p class="text-sm">"Set a password first (below): changing your address asks for it."</p> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=change>
                                        <TextField label="New email address" name="email" kind="email" autocomplete="email" value=typed_email error />
                                        <TextField label="Current password" name="current_password" id="email-current-password" kind="password" autocomplete="current-password" error />
                                        <FormAlert error />
                                        <SubmitButton label="Change email" busy_label="Sending…" pending=change.pending().into() />
                                    </ActionForm>
                                }.into_any()
                            }}
                        }
                    })
                }}
            </Suspense>
            {outcome.map(|text| view! {
                <p role="status" class="mt-2 text-sm text-emerald-700 dark:text-emerald-400">{text}</p>
            })}
        </section>
    }
}
