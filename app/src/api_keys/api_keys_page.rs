//! Settings → API keys: create a key (name, scopes, expiry) and see it once with a copy
//! button; the list shows each key's prefix, scopes and last use; revoke.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{ApiKeyRow, CreateApiKey, NewApiKey, RevokeApiKey, Scope, list_api_keys};
use crate::components::shown_once;
use crate::islands::CopyButton;

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
const FIELD: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
const EXPIRY: [(&str, &str); 4] = [
    ("", "Never"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
];

/// How long the key's cached gateway answers last (`cache_ttl_secs`); off: only requests
/// with `X-Gateway-Cache: on` use the cache.
const CACHE: [(&str, &str); 4] = [
    ("", "Off"),
    ("300", "5 minutes"),
    ("3600", "1 hour"),
    ("86400", "1 day"),
];

/// Server-rendered, its forms plain posts: a new key comes back once on the page the
/// form returns to (`shown_once`); only the copy button ships code.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(|| (), |_| list_api_keys());
    let error = move || {
        [
            create.value().get().and_then(Result::err),
            revoke.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    let created = shown_once::<NewApiKey>("api-key");
    view! {
        <p class="mb-4 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
            "Keys for the REST API (" <a href="/docs/api" class="text-indigo-600 underline dark:text-indigo-400">"reference"</a>
            ") and the OpenAI-compatible gateway. Send one as " <code class="font-mono text-xs">"Authorization: Bearer agf_…"</code>
            ". A key is shown once; we keep only its hash."
        </p>
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        {created.map(|new| view! { <NewKeyNotice key=new.key name=new.row.name /> })}
        <section class=CARD aria-labelledby="new-key-title">
            <h2 id="new-key-title" class="mb-3 font-medium">"Create a key"</h2>
            <ActionForm action=create attr:class="space-y-3">
                <div class="flex flex-wrap gap-3">
                    <div class="min-w-0 flex-1">
                        <label for="key-name" class="mb-1 block text-sm font-medium">"Name"</label>
                        <input id="key-name" name="name" required maxlength="100" placeholder="CI pipeline" class=format!("{FIELD} w-full") />
                    </div>
                    <div>
                        <label for="key-expiry" class="mb-1 block text-sm font-medium">"Expires"</label>
                        <select id="key-expiry" name="expires_in_days" class=FIELD>
                            {EXPIRY.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <label for="key-budget" class="mb-1 block text-sm font-medium">"Gateway budget / month"</label>
                        <input id="key-budget" name="budget_usd" inputmode="decimal" placeholder="No cap (USD)" class=format!("{FIELD} w-36") />
                    </div>
                    <div>
                        <label for="key-cache" class="mb-1 block text-sm font-medium">"Response cache"</label>
                        <select id="key-cache" name="cache_ttl_secs" class=FIELD aria-describedby="key-cache-hint">
                            {CACHE.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <fieldset>
                    <legend class="mb-1 text-sm font-medium">"Scopes"</legend>
                    <div class="flex flex-wrap gap-4">
                        {Scope::ALL.into_iter().map(|scope| view! {
                            <label class="inline-flex items-start gap-1.5 text-sm">
                                <input type="checkbox" name=scope.as_str() value="on" class="mt-1" checked=scope != Scope::Admin />
                                <span><span class="font-mono">{scope.as_str()}</span>
                                    <span class="block text-xs text-slate-500">{scope.description()}</span></span>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <p id="key-cache-hint" class="text-xs text-slate-500">"Response cache: the key's repeated gateway requests with temperature 0 are answered from the cache, charged nothing (a request can still opt out with " <code class="font-mono">"X-Gateway-Cache: off"</code> ")."</p>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Create key"</button>
            </ActionForm>
        </section>
        <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(rows) if rows.is_empty() => view! {
                        <p class="mt-4 text-sm text-slate-500">"No keys yet. Create one above to call the API."</p>
                    }.into_any(),
                    Ok(rows) => view! {
                        <ul class="mt-4 space-y-2" data-testid="api-keys">
                            {rows.into_iter().map(|row| view! { <KeyRow row revoke /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-4 text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The new key, once, with a copy button.
#[component]
fn NewKeyNotice(key: String, name: String) -> impl IntoView {
    view! {
        <section role="status" class="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 dark:border-emerald-800 dark:bg-emerald-950">
            <p class="text-sm font-medium">{format!("Key “{name}” created. Copy it now: it will not be shown again.")}</p>
            <div class="mt-2 flex flex-wrap gap-2">
                <label for="new-key" class="sr-only">"New API key"</label>
                <input id="new-key" readonly value=key data-testid="new-key" class=format!("{FIELD} min-w-0 flex-1 font-mono") />
                <CopyButton field="new-key" label="Copy the new key" />
            </div>
        </section>
    }
}

#[component]
fn KeyRow(row: ApiKeyRow, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let scopes: Vec<&str> = row.scopes.iter().map(|s| s.as_str()).collect();
    let used = row
        .last_used
        .clone()
        .map_or("never used".to_string(), |at| format!("last used {at}"));
    let expiry = row
        .expires
        .clone()
        .map_or(String::new(), |at| format!(" · expires {at}"));
    let budget = row.monthly_budget_cents.map_or(String::new(), |cents| {
        format!(" · budget ${}.{:02}/month", cents / 100, cents % 100)
    });
    let cache = row.cache_ttl_secs.map_or(String::new(), |secs| {
        let label = CACHE
            .iter()
            .find(|(value, _)| value.parse() == Ok(secs))
            .map_or_else(|| format!("{secs} s"), |(_, label)| label.to_lowercase());
        format!(" · cache {label}")
    });
    let id = row.id.to_string();
    view! {
        <li class=format!("{CARD} flex flex-wrap items-center justify-between gap-2") data-key=row.prefix.clone()>
            <div class="min-w-0">
                <p class="font-medium">{row.name.clone()} " " <span class="font-mono text-xs text-slate-500">{format!("{}…", row.prefix)}</span></p>
                <p class="text-xs text-slate-500">{format!("{} · by {} on {} · {used}{expiry}{budget}{cache}", scopes.join(", "), row.created_by, row.created)}</p>
            </div>
            {if row.revoked {
                view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs dark:bg-slate-800">"Revoked"</span> }.into_any()
            } else {
                view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class=BUTTON aria-label=format!("Revoke {}", row.name)>"Revoke"</button>
                    </ActionForm>
                }.into_any()
            }}
        </li>
    }
}
