//! `/agents/:id/share`: the agent's public share link (admins and owners): its address
//! to copy, on or off, its daily budget and today's spend, and a new address when the
//! old one has travelled too far. Server-rendered; only the copy button ships code.

use std::collections::BTreeMap;

use leptos::form::ActionForm;
use leptos::prelude::*;
use uuid::Uuid;

use super::{RotateShare, SaveShare, ShareLink, get_share_link};
use crate::components::{CARD, PageHeader, refill};
use crate::error::AppError;
use crate::islands::CopyButton;
use crate::routes::use_id_param;

const FIELD: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub fn SharePage() -> impl IntoView {
    let agent_id = use_id_param();
    let save = ServerAction::<SaveShare>::new();
    let rotate = ServerAction::<RotateShare>::new();
    let link = Resource::new(agent_id, |id| async move {
        match id {
            Some(id) => get_share_link(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let error = move || {
        [
            save.value().get().and_then(Result::err),
            rotate.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    let typed = refill();
    view! {
        <PageHeader title="Share link" subtitle="A public page where anyone with the link can chat with this agent, without an account." />
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the link…"</p> }>
            {move || {
                let typed = typed.clone();
                Suspend::new(async move {
                    match (link.await, agent_id()) {
                        (Ok(link), Some(agent_id)) => view! { <Share agent_id link save rotate typed /> }.into_any(),
                        (Err(error), _) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                        (_, None) => view! { <p role="alert" class="text-rose-600">{AppError::NotFound.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Share(
    agent_id: Uuid,
    link: Option<ShareLink>,
    save: ServerAction<SaveShare>,
    rotate: ServerAction<RotateShare>,
    typed: BTreeMap<String, String>,
) -> impl IntoView {
    let budget = typed.get("daily_budget_usd").cloned().unwrap_or_else(|| {
        link.as_ref().map_or_else(
            || "1.00".to_string(),
            |link| {
                link.daily_budget
                    .to_string()
                    .trim_start_matches('$')
                    .to_string()
            },
        )
    });
    let enabled = link.as_ref().is_none_or(|link| link.enabled);
    let exists = link.is_some();
    view! {
        {link.map(|link| view! {
            <section class=format!("{CARD} mb-4") aria-labelledby="share-url-label">
                <label id="share-url-label" for="share-url" class="mb-1 block text-sm font-medium">"The link"</label>
                <div class="flex flex-wrap gap-2">
                    <input id="share-url" readonly value=link.url.clone() data-testid="share-url" class=format!("{FIELD} min-w-0 flex-1 font-mono") />
                    <CopyButton field="share-url" label="Copy the link" />
                    <a href=link.url class=BUTTON target="_blank" rel="noopener">"Open"</a>
                </div>
                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400" data-testid="share-state">
                    {if link.enabled { "On" } else { "Off: the link answers “not found”" }}
                    {format!(" · spent today {} of {}", link.spent_today, link.daily_budget)}
                </p>
                <ActionForm action=rotate attr:class="mt-3">
                    <input type="hidden" name="agent_id" value=agent_id.to_string() />
                    <button type="submit" class=BUTTON>"New address"</button>
                    <span class="ml-2 text-xs text-slate-500">"The old one stops working at once; conversations stay."</span>
                </ActionForm>
            </section>
        })}
        <section class=CARD aria-labelledby="share-settings-title">
            <h2 id="share-settings-title" class="mb-3 font-medium">"Settings"</h2>
            <ActionForm action=save attr:class="space-y-3">
                <input type="hidden" name="agent_id" value=agent_id.to_string() />
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="enabled" value="on" checked=enabled />
                    "Anyone with the link may chat"
                </label>
                <div>
                    <label for="share-budget" class="mb-1 block text-sm font-medium">"Daily budget (USD)"</label>
                    <input id="share-budget" name="daily_budget_usd" required inputmode="decimal" value=budget class=FIELD />
                    <p class="mt-1 text-xs text-slate-500">"What the link's conversations may spend together each day (UTC). Past it, visitors are told to come back tomorrow. Messages are also limited per minute, from each address and through the link."</p>
                </div>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
                    {if exists { "Save" } else { "Create the link" }}
                </button>
            </ActionForm>
        </section>
        <p class="mt-4 text-sm"><a href=format!("/agents/{agent_id}") class="text-indigo-600 hover:underline dark:text-indigo-400">"Back to the agent"</a></p>
    }
}
