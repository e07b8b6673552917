use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::auth::{SignOut, Viewer};
use crate::error::AppError;
use crate::teams::TeamSwitcher;

pub type ViewerResource = Resource<Result<Option<Viewer>, AppError>>;

/// Who is signed in, in which team, and the way out. Sends anyone whose session has
/// ended to the sign-in page.
#[component]
pub fn UserMenu(viewer: ViewerResource) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="px-3 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(viewer)) => view! { <SignedIn viewer /> }.into_any(),
                    Ok(None) => view! { <Redirect path="/signin" /> }.into_any(),
                    Err(error) => view! {
                        <p role="alert" class="px-3 text-sm text-rose-600 dark:text-rose-400">{error.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedIn(viewer: Viewer) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <div class="px-3 text-sm" data-testid="user-menu">
            <p class="truncate font-medium">{viewer.display_name}</p>
            <p class="truncate text-slate-500 dark:text-slate-400">{viewer.email}</p>
            <p class="mt-1 truncate text-xs text-slate-500 dark:text-slate-400">
                {viewer.team.name.clone()}" · "{viewer.team.role.as_str()}
            </p>
            <TeamSwitcher current=viewer.team teams=viewer.teams />
            <ActionForm action=sign_out attr:class="mt-3">
                <button
                    type="submit"
                    class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                >
                    "Sign out"
                </button>
            </ActionForm>
        </div>
    }
}
