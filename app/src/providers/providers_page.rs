use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::routing_order::RoutingOrder;
use super::secrets_card::{SecretActions, SecretsCard};
use super::{
    HealthState, ProviderHealth, ProviderRow, ProvidersOverview, RemoveProviderKey, RemoveSecret,
    SaveProviderKey, SaveSecret, SetRoutingOrder, check_providers, get_providers,
};
use crate::components::refill;
use crate::error::AppError;
use crate::islands::LiveParts;

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
const FIELD: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// Settings → Providers.
/// Server-rendered, its forms plain posts that come back to the page, drawn again with
/// what they changed; the page ships no code.
#[component]
pub fn ProvidersPage() -> impl IntoView {
    let save = ServerAction::<SaveProviderKey>::new();
    let remove = ServerAction::<RemoveProviderKey>::new();
    let order = ServerAction::<SetRoutingOrder>::new();
    let secrets = SecretActions {
        save: ServerAction::<SaveSecret>::new(),
        remove: ServerAction::<RemoveSecret>::new(),
    };
    let overview = Resource::new(|| (), |_| get_providers());
    // Each provider's reachability is asked over the network (up to a few seconds when
    // one hangs), so the page never waits on it: its status lines say "Checking…" and
    // `LiveParts` asks for the page again with `?health`, which the server renders once
    // the providers have answered, and takes the lines from there.
    let checked = use_query_map().read_untracked().get("health").is_some();
    let health = Resource::new(
        || (),
        move |_| async move {
            if checked {
                check_providers().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    // What a failed post left: the provider whose key it was (never the key), so that
    // card shows what went wrong, where the person is looking (the page's own message is
    // above the fold); the name of a secret that was not saved.
    let typed = refill();
    let failed_provider = typed.get("provider").cloned();
    let secret_name = typed.get("name").cloned();
    let card_error = failed_provider
        .clone()
        .zip(save.value().get_untracked().and_then(Result::err));
    let error = move || {
        [
            save.value()
                .get()
                .and_then(Result::err)
                .filter(|_| failed_provider.is_none()),
            remove.value().get().and_then(Result::err),
            order.value().get().and_then(Result::err),
            secrets.save.value().get().and_then(Result::err),
            secrets.remove.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    view! {
        <Title text="LLM providers" />
        <p class="mb-4 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
            "Runs use the providers below in the routing order. Add your team's own key to use your account with a provider; keys are encrypted at rest and never shown again."
        </p>
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading providers…"</p> }>
            {move || {
                let (card_error, secret_name) = (card_error.clone(), secret_name.clone());
                Suspend::new(async move {
                    let (overview, health) = (overview.await, health.await);
                    match overview {
                        Ok(overview) => {
                            let (rows, can_edit) = (overview.secrets.clone(), overview.can_edit);
                            // A check that failed leaves each card's live status empty.
                            let health = health.unwrap_or_default();
                            view! {
                                <ProviderList overview health checked save remove order card_error />
                                <SecretsCard rows can_edit actions=secrets typed_name=secret_name />
                            }
                            .into_any()
                        }
                        Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
        {(!checked).then(|| view! { <LiveParts src="?health" label="Check whether each provider answers" /> })}
    }
}

#[component]
fn ProviderList(
    overview: ProvidersOverview,
    health: Vec<ProviderHealth>,
    /// Whether `health` was asked (else the status lines wait for `LiveParts`).
    checked: bool,
    save: ServerAction<SaveProviderKey>,
    remove: ServerAction<RemoveProviderKey>,
    order: ServerAction<SetRoutingOrder>,
    /// The provider whose key failed to save, and why.
    card_error: Option<(String, AppError)>,
) -> impl IntoView {
    let can_edit = overview.can_edit;
    let names = overview
        .providers
        .iter()
        .map(|row| (row.id.clone(), row.name.clone()))
        .collect();
    view! {
        <RoutingOrder chain=overview.chain team_order=overview.team_order can_edit names action=order />
        <ul class="space-y-3" data-testid="providers">
            {overview.providers.into_iter().map(|row| {
                // Not configured: the card's own status already says so.
                let live = if checked {
                    Live::Asked(health
                        .iter()
                        .find(|h| h.id == row.id && h.state != HealthState::NotConfigured)
                        .cloned())
                } else if row.team_key.is_some() || row.operator_configured {
                    Live::Checking
                } else {
                    // Nothing to ask a provider nobody configured.
                    Live::Asked(None)
                };
                let error = card_error
                    .as_ref()
                    .filter(|(provider, _)| *provider == row.id)
                    .map(|(_, error)| error.clone());
                view! { <ProviderCard row live can_edit save remove error /> }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn ProviderCard(
    row: ProviderRow,
    /// What the provider answered when asked for its models.
    live: Live,
    can_edit: bool,
    save: ServerAction<SaveProviderKey>,
    remove: ServerAction<RemoveProviderKey>,
    /// Why this card's key was not saved, when that was the last post.
    error: Option<AppError>,
) -> impl IntoView {
    let status = match (&row.team_key, row.operator_configured, row.accepts_key) {
        (Some(masked), _, _) => format!("Team key {masked}"),
        (None, true, false) => "No key needed".to_string(),
        (None, true, true) => "Configured by the platform".to_string(),
        (None, false, _) => "Not configured".to_string(),
    };
    let input_id = format!("key-{}", row.id);
    let has_key = row.team_key.is_some();
    let placeholder = key_placeholder(&row.id, has_key);
    let provider = row.id.clone();
    let remove_provider = row.id.clone();
    view! {
        <li class=CARD data-provider=row.id.clone()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 class="font-medium">{row.name.clone()}</h2>
                <span class="text-sm text-slate-600 dark:text-slate-400" data-testid="status">{status}</span>
            </div>
            <p class="mt-1 text-xs text-slate-500">{row.models.join(", ")}</p>
            <LiveStatus provider=row.id.clone() live />
            {(can_edit && row.accepts_key).then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    <ActionForm action=save attr:class="flex min-w-0 flex-1 flex-wrap gap-2">
                        <input type="hidden" name="provider" value=provider.clone() />
                        <label for=input_id.clone() class="sr-only">{format!("{} API key", row.name)}</label>
                        <input id=input_id.clone() name="key" type="password" autocomplete="off" required minlength="8" maxlength="400"
                            placeholder=placeholder class=format!("{FIELD} min-w-0 flex-1") />
                        <button type="submit" class=BUTTON>"Save key"</button>
                    </ActionForm>
                    {has_key.then(|| view! {
                        <ActionForm action=remove>
                            <input type="hidden" name="provider" value=remove_provider.clone() />
                            <button type="submit" class=BUTTON>"Remove key"</button>
                        </ActionForm>
                    })}
                </div>
                {error.map(|e| view! { <p role="alert" class="mt-2 text-sm text-rose-600">{e.to_string()}</p> })}
            })}
        </li>
    }
}

/// What the key field asks for: the key's form where it has one (Bedrock's).
fn key_placeholder(provider: &str, has_key: bool) -> &'static str {
    match crate::catalog::provider(provider).map_or("", |card| card.key_format) {
        "" if has_key => "Replace the team key",
        "" => "Paste the team's API key",
        format => format,
    }
}

/// A provider's answer when asked for its models, as far as the page knows it.
#[derive(Clone)]
enum Live {
    /// Not asked yet by this render: `LiveParts` brings the answer.
    Checking,
    /// Asked; `None` when it was not (no key for it) or the check failed.
    Asked(Option<ProviderHealth>),
}

/// What the provider said when asked for its models: reachable (how fast, what it
/// offers), key refused, unreachable. Empty when it was not asked (no key for it) or
/// the check failed. A live part: the placeholder's answer comes by its id.
#[component]
fn LiveStatus(provider: String, live: Live) -> impl IntoView {
    let (tone, label, offers) = match live {
        Live::Checking => ("text-slate-500", "Checking…".to_string(), String::new()),
        Live::Asked(None) => ("text-slate-500", String::new(), String::new()),
        Live::Asked(Some(mine)) => {
            let tone = match mine.state {
                HealthState::Reachable => "text-emerald-700 dark:text-emerald-400",
                HealthState::KeyRefused | HealthState::Unreachable => {
                    "text-rose-700 dark:text-rose-400"
                }
                HealthState::NotConfigured => "",
            };
            let mut label = mine.state.label().to_string();
            if let (HealthState::Reachable, Some(ms)) = (mine.state, mine.latency_ms) {
                label.push_str(&format!(" · {ms} ms"));
            }
            let offers = if mine.models.is_empty() {
                String::new()
            } else {
                format!("Offers: {}", mine.models.join(", "))
            };
            (tone, label, offers)
        }
    };
    view! {
        <p class="mt-1 text-xs" data-testid="live-status" id=format!("live-{provider}") data-live-part>
            <span class=tone>{label}</span>
            " "<span class="text-slate-500">{offers}</span>
        </p>
    }
}
