use leptos::prelude::*;

use super::{EndOtherSessions, EndSession, list_sessions};
use crate::auth::form_parts::FormAlert;

const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// Where the person is signed in — device, address, last seen — with a way to end any
/// other session, or all of them at once (plain posts: the page comes back with the list
/// as it is now).
#[component]
pub fn SessionsCard(card: &'static str) -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new(|| (), |_| list_sessions());
    let error = Signal::derive(move || {
        let others = end_others.value().get().and_then(Result::err);
        end.value().get().and_then(Result::err).or(others)
    });
    view! {
        <section class=card aria-labelledby="profile-sessions">
            <h2 id="profile-sessions" class="font-medium">"Active sessions"</h2>
            <p class="mt-1 mb-3 text-sm text-slate-600 dark:text-slate-400">"Where you are signed in. Sign out of any session you do not recognise."</p>
            <FormAlert error />
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            let others = list.iter().filter(|s| !s.current).count();
                            view! {
                                <ul class="divide-y divide-slate-200 dark:divide-slate-800" data-testid="sessions">
                                    {list.into_iter().map(|session| view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                                            <span>
                                                <strong>{session.device.clone()}</strong>
                                                <span class="block text-xs text-slate-600 dark:text-slate-400">
                                                    {session.address.clone().unwrap_or_else(|| "unknown address".into())}
                                                    " · last seen " {session.last_seen.clone()}
                                                    " · signed in " {session.signed_in.clone()}
                                                </span>
                                            </span>
                                            {if session.current {
                                                view! { <span class="rounded-full bg-emerald-100 px-2.5 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">"This browser"</span> }.into_any()
                                            } else {
                                                let label = format!("Sign out {}", session.device);
                                                view! {
                                                    <ActionForm action=end>
                                                        <input type="hidden" name="id" value=session.id />
                                                        <button type="submit" class=BUTTON aria-label=label>"Sign out"</button>
                                                    </ActionForm>
                                                }.into_any()
                                            }}
                                        </li>
                                    }).collect_view()}
                                </ul>
                                {(others > 0).then(|| view! {
                                    <ActionForm action=end_others attr:class="mt-3">
                                        <button type="submit" class=BUTTON>"Sign out everywhere else"</button>
                                    </ActionForm>
                                })}
                            }.into_any()
                        }
                        Err(error) => view! { <p role="alert" class="text-sm text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
