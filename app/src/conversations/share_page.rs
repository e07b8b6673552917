//! `/agents/:id/share`: the agent's public share link (admins and owners): its address
//! to copy, on or off, its daily budget and today's spend, and a new address when the
//! old one has travelled too far; and the chat on the team's own sites: where it may be
//! embedded, whether only their signed-in users may chat, the tag to paste and the
//! secret their server signs users' tokens with. Server-rendered; only the copy buttons
//! ship code.

use std::collections::BTreeMap;

use leptos::form::ActionForm;
use leptos::prelude::*;
use uuid::Uuid;

use super::{RotateEmbedSecret, RotateShare, SaveShare, ShareLink, get_share_link};
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
    let rotate_secret = ServerAction::<RotateEmbedSecret>::new();
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
            rotate_secret.value().get().and_then(Result::err),
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
                        (Ok(link), Some(agent_id)) => view! { <Share agent_id link save rotate rotate_secret typed /> }.into_any(),
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
    rotate_secret: ServerAction<RotateEmbedSecret>,
    typed: BTreeMap<String, String>,
) -> impl IntoView {
    let origins = typed.get("allowed_origins").cloned().unwrap_or_else(|| {
        link.as_ref()
            .map(|link| link.allowed_origins.join("\n"))
            .unwrap_or_default()
    });
    let signed_only = link.as_ref().is_some_and(|link| link.signed_users_only);
    let embed = link
        .clone()
        .map(|link| view! { <Embed agent_id link rotate_secret /> });
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
                <div>
                    <label for="share-origins" class="mb-1 block text-sm font-medium">"Allowed sites"</label>
                    <textarea id="share-origins" name="allowed_origins" rows="3" placeholder="https://www.example.com" class=format!("{FIELD} w-full font-mono")>{origins}</textarea>
                    <p class="mt-1 text-xs text-slate-500">"Sites whose pages may show the chat, one a line, like https://www.example.com. Every other site is refused. None: the chat is only on its own page."</p>
                </div>
                <label class="flex items-start gap-2 text-sm">
                    <input type="checkbox" name="signed_users_only" value="on" checked=signed_only class="mt-1" />
                    <span>"Only your site's signed-in users"
                        <span class="block text-xs text-slate-500">"Each needs a token your server signs with the embed secret; the bare link and anonymous visitors are refused."</span></span>
                </label>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
                    {if exists { "Save" } else { "Create the link" }}
                </button>
            </ActionForm>
        </section>
        {embed}
        <p class="mt-4 text-sm"><a href=format!("/agents/{agent_id}") class="text-indigo-600 hover:underline dark:text-indigo-400">"Back to the agent"</a></p>
    }
}

/// The tag to paste on an allowed site, and the secret for signed users' tokens.
#[component]
fn Embed(
    agent_id: Uuid,
    link: ShareLink,
    rotate_secret: ServerAction<RotateEmbedSecret>,
) -> impl IntoView {
    let sites = if link.allowed_origins.is_empty() {
        "No site may show it yet: list yours under Allowed sites.".to_string()
    } else {
        format!("Allowed on {}.", link.allowed_origins.join(", "))
    };
    view! {
        <section class=format!("{CARD} mt-4") aria-labelledby="embed-title">
            <h2 id="embed-title" class="mb-1 font-medium">"Embed on your site"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">{sites}" A chat bubble opens the agent in a panel; nothing more loads until it is opened."</p>
            <label for="embed-snippet" class="mb-1 block text-sm font-medium">"The tag for your pages"</label>
            <div class="flex flex-wrap items-start gap-2">
                <textarea id="embed-snippet" readonly rows="2" data-testid="embed-snippet" class=format!("{FIELD} min-w-0 flex-1 font-mono text-xs")>{link.embed_snippet}</textarea>
                <CopyButton field="embed-snippet" label="Copy the tag" />
            </div>
            <p class="mt-1 text-xs text-slate-500">"For a signed-in user, add "<code class="font-mono">"data-user-token=\"…\""</code>": an HS256 token (JWT) your server signs with the secret below, with the user's id in "<code class="font-mono">"sub"</code>", an "<code class="font-mono">"exp"</code>" at most 24 hours ahead, and optionally "<code class="font-mono">"name"</code>" and "<code class="font-mono">"daily_messages"</code>"."</p>
            <label for="embed-secret" class="mb-1 mt-3 block text-sm font-medium">"Embed secret"</label>
            <div class="flex flex-wrap gap-2">
                <input id="embed-secret" readonly type="text" value=link.embed_secret data-testid="embed-secret" class=format!("{FIELD} min-w-0 flex-1 font-mono") />
                <CopyButton field="embed-secret" label="Copy the secret" />
            </div>
            <p class="mt-1 text-xs text-slate-500">"Keep it on your server, never in a page."</p>
            <ActionForm action=rotate_secret attr:class="mt-3">
                <input type="hidden" name="agent_id" value=agent_id.to_string() />
                <button type="submit" class=BUTTON>"New embed secret"</button>
                <span class="ml-2 text-xs text-slate-500">"Tokens signed with the old one are refused at once."</span>
            </ActionForm>
        </section>
    }
}
