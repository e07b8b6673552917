use leptos::prelude::*;
use leptos_meta::Title;

use super::email_card::EmailCard;
use super::identities_card::{IdentitiesCard, LinkOutcome};
use super::sessions_card::SessionsCard;
use super::two_factor_card::TwoFactorCard;
use super::{ChangePassword, DeleteAccount, UpdateProfile};
use crate::auth::form_parts::{FormAlert, SubmitButton, TextField};
use crate::auth::{RequestPasswordReset, get_viewer};
use crate::components::{refill, shown_once};

const CARD: &str =
    "rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";

/// A short confirmation under a form, on the page its post came back to.
#[component]
fn Saved(when: bool, text: &'static str) -> impl IntoView {
    when.then(|| {
        view! {
            <p role="status" class="mt-2 text-sm text-emerald-700 dark:text-emerald-400">{text}</p>
        }
    })
}

/// Server-rendered, every form a plain post that comes back to this page, rendered
/// again: what a post answered shows once (`shown_once`), an error from the URL Leptos
/// returns to. The page ships no code of its own.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let update = ServerAction::<UpdateProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let set_password = ServerAction::<RequestPasswordReset>::new();
    // The menu around the page shows the name too: it is rendered in the same response,
    // so a new name shows there as well.
    let viewer = Resource::new(|| (), |_| get_viewer());
    let name_error = Signal::derive(move || update.value().get().and_then(Result::err));
    let password_error = Signal::derive(move || password.value().get().and_then(Result::err));
    let delete_error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let set_password_error =
        Signal::derive(move || set_password.value().get().and_then(Result::err));
    // Read here, once each, before anything waits on data.
    let name_saved = shown_once::<()>("profile-name").is_some();
    let password_saved = shown_once::<()>("password-changed").is_some();
    let typed = refill();
    let typed_email = typed.get("email").cloned();
    let typed_confirmation = typed.get("confirmation").cloned();

    view! {
        <Title text="Profile" />
        <LinkOutcome />
        <div class="max-w-xl space-y-6">
            <section class=CARD aria-labelledby="profile-name">
                <h2 id="profile-name" class="mb-3 font-medium">"Display name"</h2>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let current = viewer.await.ok().flatten().map(|v| v.display_name).unwrap_or_default();
                        view! {
                            <ActionForm action=update>
                                <label class="block text-sm font-medium" for="display_name">"Your name"</label>
                                <input id="display_name" name="display_name" value=current required maxlength="100" autocomplete="name"
                                    class="mt-1 mb-3 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950" />
                                <FormAlert error=name_error />
                                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Save name"</button>
                            </ActionForm>
                        }
                    })}
                </Suspense>
                <Saved when=name_saved text="Saved." />
            </section>

            <EmailCard card=CARD viewer typed_email />

            <section class=CARD aria-labelledby="profile-password">
                <h2 id="profile-password" class="mb-3 font-medium">"Password"</h2>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let viewer = viewer.await.ok().flatten();
                        match viewer.filter(|v| v.passwordless) {
                            // Made through a provider: a password is set through the
                            // link the reset flow mails.
                            Some(viewer) => view! {
                                <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">"You sign in through a provider and have no password yet. We can email you a link to set one."</p>
                                <ActionForm action=set_password>
                                    <input type="hidden" name="email" value=viewer.email />
                                    <FormAlert error=set_password_error />
                                    <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Email me a link to set a password"</button>
                                </ActionForm>
                            }.into_any(),
                            None => view! {
                                <ActionForm action=password>
                                    <TextField label="Current password" name="current_password" kind="password" autocomplete="current-password" error=password_error />
                                    <TextField label="New password (10 characters or more)" name="new_password" kind="password" autocomplete="new-password" error=password_error />
                                    <FormAlert error=password_error />
                                    <SubmitButton label="Change password" busy_label="Changing…" pending=password.pending().into() />
                                </ActionForm>
                            }.into_any(),
                        }
                    })}
                </Suspense>
                <Saved when=password_saved text="Password changed. Your other sessions have been signed out." />
            </section>

            <TwoFactorCard card=CARD />

            <IdentitiesCard card=CARD />

            <SessionsCard card=CARD />

            <section class=CARD aria-labelledby="profile-export">
                <h2 id="profile-export" class="font-medium">"Your data"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"A JSON file with your profile, your memberships, and the agents, runs, templates and reviews you created."</p>
                <a href="/settings/profile/export" download="agent-factory-data.json" class="mt-3 inline-block rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                    "Download my data"
                </a>
            </section>

            <section class="rounded-xl border border-rose-200 bg-white p-5 dark:border-rose-900 dark:bg-slate-900" aria-labelledby="profile-delete">
                <h2 id="profile-delete" class="font-medium text-rose-700 dark:text-rose-300">"Delete my account"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Your name and email are removed at once and you are signed out everywhere. What you made in teams shared with others stays with them; everything else is deleted after 30 days."
                </p>
                <ActionForm action=delete attr:class="mt-3">
                    <label class="block text-sm font-medium" for="confirmation">"Type your email address to confirm"</label>
                    <input id="confirmation" name="confirmation" value=typed_confirmation required autocomplete="off"
                        class="mt-1 mb-3 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950" />
                    <FormAlert error=delete_error />
                    <p class="text-xs text-rose-600 dark:text-rose-400">{move || delete_error.get().and_then(|e| e.field().map(|_| e.to_string()))}</p>
                    <button type="submit" class="rounded-md bg-rose-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-rose-500">"Delete my account"</button>
                </ActionForm>
            </section>
        </div>
    }
}
