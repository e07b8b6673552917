use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{AcceptInvitation, get_invitation};
use crate::auth::form_parts::FormAlert;
use crate::auth::get_viewer;
use crate::query_string;

/// Where an invitation link lands: what it offers, and the way to accept it (signing
/// in or up first when needed).
#[component]
pub fn InvitePage() -> impl IntoView {
    let token = move || use_params_map().read().get("token").unwrap_or_default();
    let query = use_query_map();
    let preview = Resource::new(token, get_invitation);
    let viewer = Resource::new(|| (), |()| get_viewer());
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = Signal::derive(move || accept.value().get().and_then(Result::err));

    view! {
        <Title text="Team invitation" />
        <section class="mx-auto max-w-md px-4 py-16 text-center">
            <Suspense fallback=|| view! { <p>"Loading the invitation…"</p> }>
                {move || Suspend::new(async move {
                    // An emailed invitation's link names the address: sign-in and
                    // sign-up fill it in.
                    let address = query.read().get("email");
                    let here = format!("/invite/{}", token());
                    let onward = |page: &str| {
                        let mut href = format!("{page}?next={}", query_string::encode(&here));
                        if let Some(address) = &address {
                            href.push_str(&format!("&email={}", query_string::encode(address)));
                        }
                        href
                    };
                    match (preview.await, viewer.await) {
                        (Ok(invitation), Ok(viewer)) => view! {
                            <h1 class="text-2xl font-semibold tracking-tight">"Join " {invitation.team_name.clone()}</h1>
                            <p class="mt-2 text-slate-600 dark:text-slate-400">
                                "You are invited as " <strong>{invitation.role.as_str()}</strong> "."
                            </p>
                            {match viewer {
                                Some(viewer) => view! {
                                    <ActionForm action=accept attr:class="mt-8">
                                        <input type="hidden" name="token" value=token() />
                                        <FormAlert error />
                                        <button type="submit" class="rounded-md bg-indigo-600 px-5 py-2.5 font-medium text-white hover:bg-indigo-500">
                                            "Join as " {viewer.display_name}
                                        </button>
                                    </ActionForm>
                                }.into_any(),
                                None => view! {
                                    <div class="mt-8 flex justify-center gap-3">
                                        <a href=onward("/signin") class="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">"Sign in to join"</a>
                                        <a href=onward("/signup") class="rounded-md border border-slate-300 px-4 py-2 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Create an account"</a>
                                    </div>
                                }.into_any(),
                            }}
                        }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! {
                            <h1 class="text-2xl font-semibold tracking-tight">"This invitation cannot be used"</h1>
                            <p role="alert" class="mt-3 text-slate-600 dark:text-slate-400">{error.to_string()}</p>
                            <A href="/" attr:class="mt-6 inline-block text-indigo-600 hover:underline dark:text-indigo-400">"Go to the home page"</A>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
