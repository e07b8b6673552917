use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{UnlinkIdentity, linked_identities};
use crate::auth::form_parts::FormAlert;
use crate::auth::{identity_providers, refusal};

const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// What linking a provider came back with (`?linked`, `?sso=<code>`), above the cards.
#[component]
pub fn LinkOutcome() -> impl IntoView {
    let query = use_query_map();
    let outcome = move || {
        let query = query.read();
        if query.get("linked").is_some() {
            return Some("Linked: you can sign in with it from now on.");
        }
        query.get("sso").and_then(|code| refusal(&code))
    };
    view! {
        {move || outcome().map(|text| view! {
            <p role="status" class="mb-4 max-w-xl rounded-md bg-slate-100 px-3 py-2 text-sm dark:bg-slate-800">{text}</p>
        })}
    }
}

/// The providers the person signs in with, a way to unlink each (while another way in
/// remains), and a link for each provider not linked yet. Shown only where the server
/// has providers configured. Unlinking is a plain post: the page comes back without it.
#[component]
pub fn IdentitiesCard(card: &'static str) -> impl IntoView {
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let linked = Resource::new(|| (), |_| linked_identities());
    let providers = Resource::new(|| (), |_| identity_providers());
    let error = Signal::derive(move || unlink.value().get().and_then(Result::err));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let providers = providers.await.unwrap_or_default();
                let linked = linked.await.unwrap_or_default();
                (!providers.is_empty()).then(|| {
                    let unlinked: Vec<_> = providers
                        .into_iter()
                        .filter(|p| !linked.iter().any(|l| l.provider == p.id))
                        .collect();
                    view! {
                        <section class=card aria-labelledby="profile-identities">
                            <h2 id="profile-identities" class="mb-1 font-medium">"Sign-in methods"</h2>
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400">"Providers you can sign in with instead of your password."</p>
                            <FormAlert error />
                            <ul class="divide-y divide-slate-200 dark:divide-slate-800" data-testid="identities">
                                {linked.into_iter().map(|identity| {
                                    let label = format!("Unlink {}", identity.label);
                                    view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                                            <span>
                                                <strong>{identity.label.clone()}</strong>
                                                <span class="block text-xs text-slate-600 dark:text-slate-400">
                                                    {identity.email.clone().unwrap_or_default()} " · linked " {identity.linked.clone()}
                                                </span>
                                            </span>
                                            <ActionForm action=unlink>
                                                <input type="hidden" name="id" value=identity.id.to_string() />
                                                <button type="submit" class=BUTTON aria-label=label>"Unlink"</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <div class="mt-3 flex flex-wrap gap-2">
                                {unlinked.into_iter().map(|provider| view! {
                                    <a href=format!("/auth/{}/start?link=1", provider.id) rel="external" class=BUTTON>
                                        "Link " {provider.label}
                                    </a>
                                }).collect_view()}
                            </div>
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}
