//! `/c/:token[/:conversation][?session=…]`: an agent's public chat, for anyone with its
//! share link and no account, and the page the embed widget frames on other sites. A
//! visitor's conversations are theirs alone (a cookie tells them apart; in an embedded
//! chat, the `session` the widget passes, which every link and form here carries on);
//! they see the answers, not the steps behind them. Server-rendered, the form a plain
//! post; only the answer being written and the copy buttons ship code.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::chat_page::{Entry, MessageField};
use super::chat_stream::ChatStream;
use super::{PublicChat, PublicSay, PublicStop, get_public_chat, with_session};
use crate::components::refill;
use crate::error::AppError;
use crate::islands::SubmitShortcut;

/// In the embed widget's frame, Escape asks the page around it to close the panel: key
/// presses in a frame never reach the page that frames it (the widget, `embed.js`,
/// takes the message from our origin only).
const CLOSE_ON_ESCAPE: &str = "addEventListener('keydown', (event) => {\
    if (event.key === 'Escape') { if (window.parent !== window) window.parent.postMessage('agf:close', '*'); }\
});";

#[component]
pub fn PublicChatPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let asked = move || {
        let params = params.read();
        let token = params.get("token").unwrap_or_default();
        let open = params
            .get("conversation")
            .and_then(|id| id.parse::<Uuid>().ok());
        let session = query.read().get("session").filter(|s| !s.is_empty());
        (token, open, session)
    };
    let chat = Resource::new(asked, |(token, open, session)| {
        get_public_chat(token, open, session)
    });
    // A session is what the widget passes: the page is in its frame.
    let embedded = query.read_untracked().get("session").is_some();
    view! {
        {embedded.then(|| view! { <script nonce=leptos::nonce::use_nonce()>{CLOSE_ON_ESCAPE}</script> })}
        // The address carries the link's secret (and an embedded chat's session): it
        // goes to no other site. Our own pages get it, so a refused form comes back here.
        <Meta name="referrer" content="same-origin" />
        <div class="mx-auto flex min-h-screen max-w-3xl flex-col px-4 py-6">
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the chat…"</p> }>
                {move || Suspend::new(async move {
                    let (token, open, session) = asked();
                    match chat.await {
                        Ok(chat) => view! { <Chat chat token open session /> }.into_any(),
                        Err(AppError::NotFound) => view! {
                            <Title text="Chat not found" />
                            <h1 class="text-xl font-semibold">"This chat is not available"</h1>
                            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"The link may have been turned off or replaced by a new one. Ask whoever shared it for the current link."</p>
                        }.into_any(),
                        Err(AppError::Unidentified(why)) => view! {
                            <Title text="Sign-in needed" />
                            <h1 class="text-xl font-semibold">"This chat cannot open"</h1>
                            <p role="alert" data-testid="unidentified" class="mt-2 text-sm text-rose-600">{why}</p>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <footer class="mt-auto pt-8 text-center text-xs text-slate-500">
                "An AI agent answers here; it can be wrong. Do not share secrets. · Made with "
                <a href="/" target="_blank" rel="noopener" class="underline">"Agent Factory"</a>
            </footer>
        </div>
    }
}

#[component]
fn Chat(
    chat: PublicChat,
    token: String,
    open: Option<Uuid>,
    session: Option<String>,
) -> impl IntoView {
    let say = ServerAction::<PublicSay>::new();
    let stop = ServerAction::<PublicStop>::new();
    let typed = refill();
    let base = format!("/c/{token}");
    let link = {
        let session = session.clone();
        move |path: &str| with_session(path, session.as_deref())
    };
    let others = chat
        .conversations
        .iter()
        .map(|conversation| {
            let current = open == Some(conversation.id);
            let title = if conversation.title.is_empty() {
                "Untitled".to_string()
            } else {
                conversation.title.clone()
            };
            view! {
                <li><a href=link(&format!("{base}/{}", conversation.id)) aria-current=current.then_some("page")
                    class="block truncate rounded px-2 py-1 hover:bg-slate-100 aria-[current=page]:font-medium dark:hover:bg-slate-800">{title}</a></li>
            }
        })
        .collect_view();
    let has_others = !chat.conversations.is_empty();
    let (entries, answering) = match chat.open {
        Some(open) => (open.entries, open.answering),
        None => (Vec::new(), None),
    };
    let empty = entries.is_empty() && answering.is_none();
    let stop_token = token.clone();
    let stop_session = session.clone();
    view! {
        <Title text=chat.agent_name.clone() />
        <header class="mb-4 flex flex-wrap items-start justify-between gap-2">
            <div>
                <h1 class="text-xl font-semibold tracking-tight">{chat.agent_name.clone()}</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{chat.description}</p>
                {chat.signed_in_as.map(|who| view! {
                    <p class="mt-1 text-xs text-slate-500" data-testid="signed-in-as">{format!("Signed in as {who}")}</p>
                })}
            </div>
            {open.is_some().then(|| view! { <a href=link(&base) class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"New conversation"</a> })}
        </header>
        {has_others.then(|| view! {
            <details class="mb-4 text-sm">
                <summary class="cursor-pointer text-slate-600 dark:text-slate-400">"Your conversations"</summary>
                <ul class="mt-2 space-y-0.5" data-testid="conversations">{others}</ul>
            </details>
        })}
        {move || say.value().get().and_then(Result::err).or_else(|| stop.value().get().and_then(Result::err)).map(|e| view! {
            <p role="alert" data-testid="chat-error" class="mb-3 text-sm text-rose-600">{e.to_string()}</p>
        })}
        {empty.then(|| view! {
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">{format!("Say hello to {}.", chat.agent_name)}</p>
        })}
        <ol data-testid="messages" aria-label="Messages" class="space-y-4">
            {entries.into_iter().map(|entry| view! { <Entry entry regenerate=None /> }).collect_view()}
            {answering.map(|run| view! {
                <li data-testid="answering" class="space-y-2">
                    <ChatStream events=link(&format!("{base}/runs/{run}/events")) />
                    <ActionForm action=stop>
                        <input type="hidden" name="token" value=stop_token />
                        {stop_session.map(|session| view! { <input type="hidden" name="session" value=session /> })}
                        <input type="hidden" name="run" value=run.to_string() />
                        <button type="submit" class="rounded-md border border-rose-300 px-3 py-1 text-sm text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300">"Stop"</button>
                    </ActionForm>
                </li>
            })}
        </ol>
        <SubmitShortcut key="Enter">
            <ActionForm action=say attr:class="mt-6 space-y-2">
                <input type="hidden" name="token" value=token.clone() />
                {open.map(|id| view! { <input type="hidden" name="conversation" value=id.to_string() /> })}
                {session.map(|session| view! { <input type="hidden" name="session" value=session /> })}
                <MessageField typed=typed.get("content").cloned() />
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500" aria-keyshortcuts="Control+Enter">"Send"</button>
            </ActionForm>
        </SubmitShortcut>
    }
}
