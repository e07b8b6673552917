//! Settings → Webhooks: add an endpoint (URL, events) and see its signing secret once;
//! each endpoint lists its latest deliveries with status and response code, and offers
//! "Send test event", Resend and Delete.

use std::collections::BTreeMap;

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use super::{
    CreateWebhook, DeleteWebhook, DeliveryRow, NewWebhook, ResendDelivery, SendTestWebhook,
    WEBHOOK_EVENTS, WebhookRow, list_webhooks, webhook_deliveries,
};
use crate::components::{refill, shown_once};
use crate::islands::{CopyButton, LiveParts};

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
const FIELD: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// How often the open page asks again for the endpoints and their deliveries (seconds):
/// deliveries happen in the background.
const REFRESH: u32 = 3;

/// Server-rendered, its forms plain posts that come back to the page: a new endpoint's
/// signing secret comes back once (`shown_once`). Only the copy button and the list's
/// refresh ship code.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let test = ServerAction::<SendTestWebhook>::new();
    let resend = ServerAction::<ResendDelivery>::new();
    let endpoints = Resource::new(|| (), |_| list_webhooks());
    let error = move || {
        [
            create.value().get().and_then(Result::err),
            delete.value().get().and_then(Result::err),
            test.value().get().and_then(Result::err),
            resend.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    let created = shown_once::<NewWebhook>("webhook-secret");
    // What a refused endpoint had in the form (a failed post of any other form leaves
    // nothing, and the form starts afresh).
    let typed = refill();
    view! {
        <Title text="Webhooks" />
        <p class="mb-4 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
            "Endpoints receive events as JSON, signed the Standard Webhooks way ("
            <code class="font-mono text-xs">"webhook-id"</code> ", " <code class="font-mono text-xs">"webhook-timestamp"</code> ", "
            <code class="font-mono text-xs">"webhook-signature"</code>
            "). Failed deliveries are retried for about a day with the same id; an endpoint answering 410 is switched off."
        </p>
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        {created.map(|new| view! {
            <section role="status" class="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 dark:border-emerald-800 dark:bg-emerald-950">
                <p class="text-sm font-medium">"Endpoint added. Its signing secret, shown once:"</p>
                <div class="mt-2 flex flex-wrap gap-2">
                    <label for="webhook-secret" class="sr-only">"Signing secret"</label>
                    <input id="webhook-secret" readonly value=new.secret data-testid="webhook-secret" class=format!("{FIELD} min-w-0 flex-1 font-mono") />
                    <CopyButton field="webhook-secret" label="Copy the signing secret" />
                </div>
            </section>
        })}
        <NewEndpointForm create typed />
            <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading endpoints…"</p> }>
                {move || Suspend::new(async move {
                    match endpoints.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p class="mt-4 text-sm text-slate-500">"No endpoints yet. Add one above to hear about finished runs."</p>
                        }.into_any(),
                        Ok(rows) => view! {
                            <ul class="mt-4 space-y-3" data-testid="webhooks">
                                {rows.into_iter().map(|row| view! { <Endpoint row delete test resend /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-4 text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        // Each endpoint's deliveries follow the page's fresh render (its forms stay put).
        <LiveParts every=REFRESH />
    }
}

/// URL, description and events; filled in again with `typed` when the last post was a
/// refused endpoint (its URL is always there then).
#[component]
fn NewEndpointForm(
    create: ServerAction<CreateWebhook>,
    typed: BTreeMap<String, String>,
) -> impl IntoView {
    let refused = typed.contains_key("url");
    let events = WEBHOOK_EVENTS
        .into_iter()
        .map(|(event, meaning)| {
            let name = event.replace('.', "_");
            // Results by default; as they were when the post is being tried again.
            let checked = if refused {
                typed.contains_key(&name)
            } else {
                event.starts_with("run.")
            };
            view! {
                <label class="inline-flex items-start gap-1.5 text-sm">
                    <input type="checkbox" name=name value="on" class="mt-1" checked=checked />
                    <span><span class="font-mono">{event}</span>
                        <span class="block text-xs text-slate-500">{meaning}</span></span>
                </label>
            }
        })
        .collect_view();
    view! {
        <section class=CARD aria-labelledby="new-webhook-title">
            <h2 id="new-webhook-title" class="mb-3 font-medium">"Add an endpoint"</h2>
            <ActionForm action=create attr:class="space-y-3">
                <div>
                    <label for="webhook-url" class="mb-1 block text-sm font-medium">"URL"</label>
                    <input id="webhook-url" name="url" type="url" required value=typed.get("url").cloned()
                        placeholder="https://example.com/hooks/agent-factory" class=format!("{FIELD} w-full") />
                </div>
                <div>
                    <label for="webhook-description" class="mb-1 block text-sm font-medium">"Description (optional)"</label>
                    <input id="webhook-description" name="description" maxlength="200" value=typed.get("description").cloned()
                        class=format!("{FIELD} w-full") />
                </div>
                <fieldset>
                    <legend class="mb-1 text-sm font-medium">"Events"</legend>
                    <div class="flex flex-wrap gap-4">{events}</div>
                </fieldset>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Add endpoint"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Endpoint(
    row: WebhookRow,
    delete: ServerAction<DeleteWebhook>,
    test: ServerAction<SendTestWebhook>,
    resend: ServerAction<ResendDelivery>,
) -> impl IntoView {
    let id: Uuid = row.id;
    let deliveries = Resource::new(|| (), move |_| webhook_deliveries(id));
    let status = if row.enabled {
        view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200">"Enabled"</span> }.into_any()
    } else {
        view! { <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-900 dark:bg-amber-900 dark:text-amber-100">"Disabled"</span> }.into_any()
    };
    let url = row.url.clone();
    view! {
        <li class=CARD data-webhook=url>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0">
                    <p class="break-all font-mono text-sm">{row.url.clone()}</p>
                    <p class="text-xs text-slate-500">{format!("{} · added {}", row.events.join(", "), row.created)}</p>
                    {row.disabled_reason.clone().map(|reason| view! { <p class="text-xs text-amber-700 dark:text-amber-300">{reason}</p> })}
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    {status}
                    <ActionForm action=test>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class=BUTTON>"Send test event"</button>
                    </ActionForm>
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class=BUTTON aria-label=format!("Delete {}", row.url)>"Delete"</button>
                    </ActionForm>
                </div>
            </div>
            <h3 class="mt-3 text-sm font-medium">"Recent deliveries"</h3>
            <div id=format!("deliveries-{id}") data-live-part>
            <Suspense fallback=|| view! { <p class="text-xs text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="text-xs text-slate-500">"None yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul class="mt-1 divide-y divide-slate-100 text-sm dark:divide-slate-800" data-testid="deliveries">
                                {rows.into_iter().map(|delivery| view! { <Delivery delivery resend /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="text-xs text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            </div>
        </li>
    }
}

#[component]
fn Delivery(delivery: DeliveryRow, resend: ServerAction<ResendDelivery>) -> impl IntoView {
    let code = delivery
        .response_code
        .map_or("no response".to_string(), |code| format!("HTTP {code}"));
    let next = delivery
        .next_attempt
        .clone()
        .map_or(String::new(), |at| format!(" · next try {at}"));
    let detail = format!(
        "{} · {code} · {} attempt(s) · {}{next}",
        delivery.status, delivery.attempts, delivery.created
    );
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 py-1.5" data-status=delivery.status.clone()>
            <div class="min-w-0">
                <span class="font-mono text-xs">{delivery.event_type.clone()}</span>
                <span class="block text-xs text-slate-500">{detail}</span>
                {delivery.error.clone().map(|e| view! { <span class="block break-all text-xs text-rose-600">{e}</span> })}
            </div>
            <ActionForm action=resend>
                <input type="hidden" name="id" value=delivery.id.to_string() />
                <button type="submit" class=BUTTON>"Resend"</button>
            </ActionForm>
        </li>
    }
}
