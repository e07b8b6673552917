use leptos::prelude::*;
use leptos_router::components::A;

use super::user_menu::ViewerResource;

/// Tells a member whose team requires two-factor sign-in, and who has not turned it on,
/// why the team's pages refuse them, and where to turn it on.
#[component]
pub fn TwoFactorBanner(viewer: ViewerResource) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let viewer = viewer.await.ok().flatten().filter(|v| v.needs_two_factor)?;
                Some(view! {
                    <div role="alert" data-testid="two-factor-banner" class="mb-4 flex flex-wrap items-center gap-x-3 gap-y-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
                        <p class="flex-1">
                            <strong>{viewer.team.name} " requires two-factor sign-in. "</strong>
                            "Its agents, runs and settings open once you turn it on."
                        </p>
                        <A href="/settings/profile#two-factor" attr:class="rounded-md border border-amber-400 px-2 py-1 font-medium hover:bg-amber-100 dark:border-amber-600 dark:hover:bg-amber-900">
                            "Turn on two-factor"
                        </A>
                    </div>
                })
            })}
        </Suspense>
    }
}
