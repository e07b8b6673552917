//! `/agents/:id/chat[/:conversation]`: talking with an agent. The caller's
//! conversations with it beside the one open; each answer in Markdown rendered on the
//! server, the turn's steps folded under it. Server-rendered, every form a plain post
//! back to the page; only the answer being written ([`ChatStream`]) and the copy
//! buttons ship code.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::chat_stream::ChatStream;
use super::{
    ArchiveConversation, ChatEntry, ChatQuery, ChatView, Conversation, OpenConversation,
    RegenerateAnswer, RenameConversation, SendMessage, Speaker, StartChat, get_chat,
};
use crate::agents::{CancelRun, InputField, RunTrace};
use crate::components::{MARKDOWN, refill};
use crate::error::AppError;
use crate::islands::{CopyButton, SubmitShortcut};
use crate::query_string::encode;
use crate::runs::RunStatus;

const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
const PRIMARY: &str =
    "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500";
const FIELD: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950";
const LINK: &str = "text-indigo-600 underline-offset-2 hover:underline dark:text-indigo-400";

#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let view_of = move || {
        let params = params.read();
        let query = query.read();
        let agent_id = params.get("id").and_then(|id| id.parse::<Uuid>().ok());
        let asked = ChatQuery {
            open: params.get("conversation").and_then(|id| id.parse().ok()),
            before: query.get("before").and_then(|seq| seq.parse().ok()),
            older: query.get("older").filter(|at| !at.is_empty()),
            archived: query.get("archived").is_some_and(|on| on == "1"),
        };
        (agent_id, asked)
    };
    let chat = Resource::new(view_of, |(agent_id, asked)| async move {
        match agent_id {
            Some(agent_id) => get_chat(agent_id, asked).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the conversation…"</p> }>
            {move || Suspend::new(async move {
                match chat.await {
                    Ok(chat) => view! { <Chat chat archived_list=view_of().1.archived /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Chat(chat: ChatView, archived_list: bool) -> impl IntoView {
    let actions = Actions::new();
    let title = chat
        .open
        .as_ref()
        .map(|open| open.conversation.title.clone())
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| format!("Chat with {}", chat.agent_name));
    let base = format!("/agents/{}/chat", chat.agent_id);
    let open_id = chat.open.as_ref().map(|open| open.conversation.id);
    view! {
        <Title text=title />
        <div class="mb-4 flex flex-wrap items-baseline justify-between gap-2">
            <h1 class="text-2xl font-semibold tracking-tight">{format!("Chat with {}", chat.agent_name)}</h1>
            <a href=format!("/agents/{}", chat.agent_id) class=LINK>"Run console"</a>
        </div>
        {move || actions.error().map(|e| view! { <p role="alert" data-testid="chat-error" class="mb-3 text-sm text-rose-600">{e.to_string()}</p> })}
        <div class="grid gap-6 md:grid-cols-[15rem_minmax(0,1fr)]">
            <ConversationList base=base.clone() conversations=chat.conversations older=chat.older open=open_id archived=archived_list />
            <div class="min-w-0">
                {match chat.open {
                    Some(open) => view! { <Open open base actions /> }.into_any(),
                    None => view! { <NewChat agent_id=chat.agent_id agent_name=chat.agent_name inputs=chat.inputs actions /> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// The page's forms, whose refusals show at the top of the page.
#[derive(Clone, Copy)]
struct Actions {
    start: ServerAction<StartChat>,
    say: ServerAction<SendMessage>,
    regenerate: ServerAction<RegenerateAnswer>,
    rename: ServerAction<RenameConversation>,
    archive: ServerAction<ArchiveConversation>,
    stop: ServerAction<CancelRun>,
}

impl Actions {
    fn new() -> Actions {
        Actions {
            start: ServerAction::new(),
            say: ServerAction::new(),
            regenerate: ServerAction::new(),
            rename: ServerAction::new(),
            archive: ServerAction::new(),
            stop: ServerAction::new(),
        }
    }

    fn error(self) -> Option<AppError> {
        [
            self.start.value().get().and_then(Result::err),
            self.say.value().get().and_then(Result::err),
            self.regenerate.value().get().and_then(Result::err),
            self.rename.value().get().and_then(Result::err),
            self.archive.value().get().and_then(Result::err),
            self.stop.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

#[component]
fn ConversationList(
    base: String,
    conversations: Vec<Conversation>,
    older: Option<String>,
    open: Option<Uuid>,
    archived: bool,
) -> impl IntoView {
    let (heading, switch_label, switch_href) = if archived {
        ("Archived", "Current conversations", base.clone())
    } else {
        (
            "Your conversations",
            "Archived",
            format!("{base}?archived=1"),
        )
    };
    let empty = if archived {
        "Nothing archived."
    } else {
        "None yet: your first message starts one."
    };
    let older = older.map(|at| {
        let archived = if archived { "&archived=1" } else { "" };
        format!("{base}?older={}{archived}", encode(&at))
    });
    let none = conversations.is_empty();
    let items = conversations
        .into_iter()
        .map(|conversation| {
            let current = open == Some(conversation.id);
            let href = format!("{base}/{}", conversation.id);
            let title = if conversation.title.is_empty() {
                "Untitled".to_string()
            } else {
                conversation.title
            };
            let tone = if current {
                "bg-indigo-50 font-medium text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100"
            } else {
                "hover:bg-slate-100 dark:hover:bg-slate-800"
            };
            view! {
                <li>
                    <a href=href aria-current=current.then_some("page") class=format!("block truncate rounded-md px-2 py-1.5 text-sm {tone}")>{title}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav aria-labelledby="conversations-title" class="text-sm">
            <a href=base.clone() class=format!("{PRIMARY} mb-3 block text-center")>"New chat"</a>
            <h2 id="conversations-title" class="mb-1 px-2 text-xs font-medium uppercase tracking-wide text-slate-500">{heading}</h2>
            <ul data-testid="conversations" class="space-y-0.5">{items}</ul>
            {none.then(|| view! { <p class="mt-2 px-2 text-xs text-slate-500">{empty}</p> })}
            <div class="mt-2 flex flex-wrap gap-3 px-2 text-xs">
                {older.map(|href| view! { <a href=href class=LINK>"Older"</a> })}
                <a href=switch_href class=LINK>{switch_label}</a>
            </div>
        </nav>
    }
}

/// A new conversation: the agent's inputs (asked once) and the first message.
#[component]
fn NewChat(
    agent_id: Uuid,
    agent_name: String,
    inputs: Vec<crate::spec::InputDef>,
    actions: Actions,
) -> impl IntoView {
    let typed = refill();
    let asks_inputs = !inputs.is_empty();
    view! {
        <section aria-labelledby="new-chat-title" class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="new-chat-title" class="mb-1 font-medium">"New conversation"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                {format!("Ask {agent_name} anything; each answer is a run you can open, with its steps and cost.")}
                {asks_inputs.then_some(" The fields below are given once, for the whole conversation.")}
            </p>
            <SubmitShortcut key="Enter">
                <ActionForm action=actions.start attr:class="space-y-3">
                    <input type="hidden" name="agent_id" value=agent_id.to_string() />
                    {inputs.into_iter().map(|input| {
                        let typed = typed.get(&input.name).cloned();
                        view! { <InputField input typed /> }
                    }).collect_view()}
                    <MessageField typed=typed.get("content").cloned() />
                    <button type="submit" class=PRIMARY aria-keyshortcuts="Control+Enter">"Send"</button>
                </ActionForm>
            </SubmitShortcut>
        </section>
    }
}

#[component]
pub(super) fn MessageField(typed: Option<String>) -> impl IntoView {
    view! {
        <div>
            <label for="chat-message" class="sr-only">"Message"</label>
            <textarea id="chat-message" name="content" rows="3" required maxlength="20000"
                placeholder="Write a message… (Ctrl+Enter sends)" class=FIELD>{typed.unwrap_or_default()}</textarea>
        </div>
    }
}

#[component]
fn Open(open: OpenConversation, base: String, actions: Actions) -> impl IntoView {
    let OpenConversation {
        conversation,
        entries,
        earlier,
        answering,
    } = open;
    let id = conversation.id;
    let earlier = earlier.map(|seq| format!("{base}/{id}?before={seq}"));
    // Regenerating applies to the last message, once its turn is over.
    let last = entries.len().saturating_sub(1);
    let can_regenerate = answering.is_none()
        && !conversation.archived
        && entries.last().is_some_and(|entry| {
            entry.message.role == Speaker::Assistant
                || entry.message.status.is_some_and(RunStatus::is_final)
        });
    let typed = refill();
    let items = entries
        .into_iter()
        .enumerate()
        .map(|(at, entry)| {
            let regenerate = (can_regenerate && at == last).then_some((id, actions.regenerate));
            view! { <Entry entry regenerate /> }
        })
        .collect_view();
    view! {
        <ConversationHeader conversation=conversation.clone() actions />
        {earlier.map(|href| view! { <a href=href class=format!("{LINK} mb-3 inline-block text-sm")>"Earlier messages"</a> })}
        <ol data-testid="messages" aria-label="Messages" class="space-y-4">
            {items}
            {answering.map(|run| view! {
                <li class="space-y-2" data-testid="answering">
                    <ChatStream events=crate::agents::live::events_of(run) />
                    <ActionForm action=actions.stop>
                        <input type="hidden" name="id" value=run.to_string() />
                        <button type="submit" class="rounded-md border border-rose-300 px-3 py-1 text-sm text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300">"Stop"</button>
                    </ActionForm>
                </li>
            })}
        </ol>
        {if conversation.archived {
            view! {
                <p class="mt-6 text-sm text-slate-600 dark:text-slate-400">"This conversation is archived: restore it to go on."</p>
            }.into_any()
        } else {
            view! {
                <SubmitShortcut key="Enter">
                    <ActionForm action=actions.say attr:class="mt-6 space-y-2">
                        <input type="hidden" name="conversation" value=id.to_string() />
                        <MessageField typed=typed.get("content").cloned() />
                        <button type="submit" class=PRIMARY aria-keyshortcuts="Control+Enter">"Send"</button>
                    </ActionForm>
                </SubmitShortcut>
            }.into_any()
        }}
    }
}

/// The title, what it cost, and what can be done with it.
#[component]
fn ConversationHeader(conversation: Conversation, actions: Actions) -> impl IntoView {
    let id = conversation.id.to_string();
    let (rename_id, archive_id) = (id.clone(), id.clone());
    let (archive_label, archive_to) = if conversation.archived {
        ("Restore", "false")
    } else {
        ("Archive", "true")
    };
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 pb-3 dark:border-slate-800">
            <div class="min-w-0">
                <h2 class="truncate text-lg font-medium" data-testid="conversation-title">{conversation.title.clone()}</h2>
                <p class="text-xs text-slate-500">{format!("{} so far", conversation.cost)}</p>
            </div>
            <div class="flex flex-wrap items-center gap-2 text-sm">
                <details class="relative">
                    <summary class=format!("{BUTTON} cursor-pointer list-none")>"Rename"</summary>
                    <ActionForm action=actions.rename attr:class="absolute right-0 z-10 mt-1 flex w-72 gap-2 rounded-md border border-slate-200 bg-white p-2 shadow dark:border-slate-700 dark:bg-slate-900">
                        <input type="hidden" name="conversation" value=rename_id />
                        <label for="conversation-new-title" class="sr-only">"Title"</label>
                        <input id="conversation-new-title" name="title" required maxlength="200" value=conversation.title class=FIELD />
                        <button type="submit" class=BUTTON>"Save"</button>
                    </ActionForm>
                </details>
                <ActionForm action=actions.archive>
                    <input type="hidden" name="conversation" value=archive_id />
                    <input type="hidden" name="archived" value=archive_to />
                    <button type="submit" class=BUTTON>{archive_label}</button>
                </ActionForm>
                <a href=format!("/conversations/{id}/export") download="" class=BUTTON>"Export JSON"</a>
            </div>
        </div>
    }
}

/// One message. The agent's answer shows its Markdown, a copy button and the turn's
/// steps, folded; `regenerate` (the conversation, on its last message) offers a new
/// answer.
#[component]
pub(super) fn Entry(
    entry: ChatEntry,
    regenerate: Option<(Uuid, ServerAction<RegenerateAnswer>)>,
) -> impl IntoView {
    let ChatEntry {
        message,
        html,
        steps,
    } = entry;
    let seq = message.seq;
    let run_link = message
        .run_id
        .map(|run| view! { <a href=format!("/runs/{run}") class=LINK>"Run"</a> });
    let steps = (!steps.is_empty()).then(|| {
        let count = steps.len();
        let label = if count == 1 {
            "1 step".to_string()
        } else {
            format!("{count} steps")
        };
        view! {
            <details class="mt-2 text-sm" data-testid="turn-steps">
                <summary class="cursor-pointer text-xs text-slate-500">{label}</summary>
                <div class="mt-2"><RunTrace steps=Signal::stored(steps) /></div>
            </details>
        }
    });
    let regenerate = regenerate.map(|(conversation, action)| {
        view! {
            <ActionForm action=action>
                <input type="hidden" name="conversation" value=conversation.to_string() />
                <button type="submit" class=LINK>"Regenerate"</button>
            </ActionForm>
        }
    });
    match message.role {
        Speaker::User => {
            let outcome = match message.status {
                Some(RunStatus::Failed) => Some(format!(
                    "No answer: {}",
                    message
                        .failure
                        .clone()
                        .unwrap_or_else(|| "the turn failed".into())
                )),
                Some(RunStatus::Cancelled) => Some("Stopped before it answered.".to_string()),
                _ => None,
            };
            view! {
                <li class="flex flex-col items-end" data-role="user" data-seq=seq.to_string()>
                    <div class="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl rounded-br-sm bg-indigo-600 px-4 py-2 text-sm text-white">{message.content}</div>
                    {outcome.map(|text| view! {
                        <div class="mt-1 max-w-[85%] text-right">
                            <p role="status" data-testid="turn-outcome" class="text-xs text-rose-600 dark:text-rose-400">{text}</p>
                            {steps}
                            <div class="mt-1 flex justify-end gap-3 text-xs">{run_link}{regenerate}</div>
                        </div>
                    })}
                </li>
            }
            .into_any()
        }
        Speaker::Assistant => {
            let copy_field = format!("message-{seq}-text");
            view! {
                <li class="flex flex-col items-start" data-role="assistant" data-seq=seq.to_string()>
                    <div class=format!("w-full max-w-[85%] break-words rounded-2xl rounded-bl-sm border border-slate-200 bg-white px-4 py-2 text-sm dark:border-slate-800 dark:bg-slate-900 {MARKDOWN}")
                        data-testid="answer" inner_html=html></div>
                    <input type="hidden" id=copy_field.clone() value=message.content />
                    <div class="mt-1 flex flex-wrap items-center gap-3 text-xs">
                        <CopyButton field=copy_field label="Copy the answer" />
                        {run_link}
                        {regenerate}
                    </div>
                    <div class="w-full max-w-[85%]">{steps}</div>
                </li>
            }
            .into_any()
        }
    }
}
