use leptos::prelude::*;

use super::user_menu::ViewerResource;
use crate::auth::ResendVerification;

/// Asks a person whose address is not verified yet (while email is on) to follow the
/// link we sent, and offers it again: a plain form, so it works before any script.
#[component]
pub fn EmailBanner(viewer: ViewerResource) -> impl IntoView {
    let resend = ServerAction::<ResendVerification>::new();
    let error = move || {
        resend
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let viewer = viewer.await.ok().flatten().filter(|v| v.needs_email_verification)?;
                Some(view! {
                    <div role="status" data-testid="email-banner" class="mb-4 flex flex-wrap items-center gap-x-3 gap-y-2 rounded-md border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-700 dark:bg-sky-950 dark:text-sky-100">
                        <p class="flex-1">
                            <strong>"Confirm your email address. "</strong>
                            "We sent a link to " {viewer.email} ". Publishing templates, payouts and owning a team need it."
                        </p>
                        <ActionForm action=resend>
                            <button type="submit" class="rounded-md border border-sky-400 px-2 py-1 font-medium hover:bg-sky-100 dark:border-sky-600 dark:hover:bg-sky-900">
                                "Send it again"
                            </button>
                        </ActionForm>
                        <p role="alert" class="w-full text-rose-700 empty:hidden dark:text-rose-300">{error}</p>
                    </div>
                })
            })}
        </Suspense>
    }
}
