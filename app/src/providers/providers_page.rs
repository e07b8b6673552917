use leptos::form::ActionForm;
use leptos::prelude::*;

use super::routing_order::RoutingOrder;
use super::secrets_card::{SecretActions, SecretsCard};
use super::{
    HealthState, ProviderHealth, ProviderRow, ProvidersOverview, RemoveProviderKey, RemoveSecret,
    SaveProviderKey, SaveSecret, SetRoutingOrder, check_providers, get_providers,
};

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
const FIELD: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// Settings → Providers.
/// One island (its code fetched when the page is opened): keys and secrets are saved
/// and listed in place.
#[component]
pub fn ProvidersPage() -> impl IntoView {
    let save = ServerAction::<SaveProviderKey>::new();
    let remove = ServerAction::<RemoveProviderKey>::new();
    let order = ServerAction::<SetRoutingOrder>::new();
    let secrets = SecretActions {
        save: ServerAction::<SaveSecret>::new(),
        remove: ServerAction::<RemoveSecret>::new(),
    };
    let overview = Resource::new(
        move || {
            (
                save.version().get(),
                remove.version().get(),
                order.version().get(),
                secrets.save.version().get(),
                secrets.remove.version().get(),
            )
        },
        |_| get_providers(),
    );
    let health = live_health(save, remove);
    // The provider whose key was last submitted: its card shows what went wrong, where
    // the person is looking (the page's own message is above the fold).
    let saving = RwSignal::new(None::<String>);
    let error = move || {
        [
            save.value()
                .get()
                .and_then(Result::err)
                .filter(|_| saving.get().is_none()),
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
        <p class="mb-4 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
            "Runs use the providers below in the routing order. Add your team's own key to use your account with a provider; keys are encrypted at rest and never shown again."
        </p>
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading providers…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => {
                        let (rows, can_edit) = (overview.secrets.clone(), overview.can_edit);
                        view! {
                            <ProviderList overview health save remove order saving />
                            <SecretsCard rows can_edit actions=secrets />
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Each provider's live status, asked from the browser once the page is live (and again
/// when a key is saved or removed). The server renders "Checking…" and never waits on
/// a provider; a resource that only resolves in the browser would hold its render.
fn live_health(
    save: ServerAction<SaveProviderKey>,
    remove: ServerAction<RemoveProviderKey>,
) -> Signal<Option<Vec<ProviderHealth>>> {
    #[cfg(feature = "hydrate")]
    {
        let health = LocalResource::new(move || {
            save.version().get();
            remove.version().get();
            check_providers()
        });
        Signal::derive(move || health.get().and_then(Result::ok))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (save, remove, check_providers);
        Signal::derive(|| None)
    }
}

#[component]
fn ProviderList(
    overview: ProvidersOverview,
    health: Signal<Option<Vec<ProviderHealth>>>,
    save: ServerAction<SaveProviderKey>,
    remove: ServerAction<RemoveProviderKey>,
    order: ServerAction<SetRoutingOrder>,
    saving: RwSignal<Option<String>>,
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
            {overview.providers.into_iter().map(|row| view! { <ProviderCard row health can_edit save remove saving /> }).collect_view()}
        </ul>
    }
}

#[component]
fn ProviderCard(
    row: ProviderRow,
    health: Signal<Option<Vec<ProviderHealth>>>,
    can_edit: bool,
    save: ServerAction<SaveProviderKey>,
    remove: ServerAction<RemoveProviderKey>,
    saving: RwSignal<Option<String>>,
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
    let mine = row.id.clone();
    let submitted = row.id.clone();
    let card_error = move || {
        (saving.get().as_deref() == Some(mine.as_str()))
            .then(|| save.value().get().and_then(Result::err))
            .flatten()
    };
    view! {
        <li class=CARD data-provider=row.id.clone()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 class="font-medium">{row.name.clone()}</h2>
                <span class="text-sm text-slate-600 dark:text-slate-400" data-testid="status">{status}</span>
            </div>
            <p class="mt-1 text-xs text-slate-500">{row.models.join(", ")}</p>
            <LiveStatus id=row.id.clone() health />
            {(can_edit && row.accepts_key).then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    <ActionForm action=save attr:class="flex min-w-0 flex-1 flex-wrap gap-2">
                        <input type="hidden" name="provider" value=provider.clone() />
                        <label for=input_id.clone() class="sr-only">{format!("{} API key", row.name)}</label>
                        <input id=input_id.clone() name="key" type="password" autocomplete="off" required minlength="8" maxlength="400"
                            placeholder=placeholder class=format!("{FIELD} min-w-0 flex-1") />
                        <button type="submit" class=BUTTON on:click=move |_| saving.set(Some(submitted.clone()))>"Save key"</button>
                    </ActionForm>
                    {has_key.then(|| view! {
                        <ActionForm action=remove>
                            <input type="hidden" name="provider" value=remove_provider.clone() />
                            <button type="submit" class=BUTTON>"Remove key"</button>
                        </ActionForm>
                    })}
                </div>
                {move || card_error().map(|e| view! { <p role="alert" class="mt-2 text-sm text-rose-600">{e.to_string()}</p> })}
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

/// What the provider said when asked for its models: reachable (how fast, what it
/// offers), key refused, unreachable — or still being asked.
#[component]
fn LiveStatus(id: String, health: Signal<Option<Vec<ProviderHealth>>>) -> impl IntoView {
    let status = Memo::new(move |_| {
        let Some(all) = health.get() else {
            return ("text-slate-500", "Checking…".to_string(), String::new());
        };
        // Not configured: the card's own status already says so.
        let Some(mine) = all
            .into_iter()
            .find(|h| h.id == id && h.state != HealthState::NotConfigured)
        else {
            return ("text-slate-500", String::new(), String::new());
        };
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
    });
    view! {
        <p class="mt-1 text-xs" data-testid="live-status">
            <span class=move || status.get().0>{move || status.get().1}</span>
            " "<span class="text-slate-500">{move || status.get().2}</span>
        </p>
    }
}
