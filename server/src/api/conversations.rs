//! `/v1/agents/{id}/conversations` and `/v1/conversations/{id}`: start a conversation
//! with an agent, list and read them, rename or archive one, and talk: each message
//! posted is a turn answered by a run (202 with the message and its run; the finished
//! turn with `?wait=true`; the run's live events with `Accept: text/event-stream`,
//! resumable at `/v1/runs/{run}/events` with `Last-Event-ID`).

use std::time::Duration;

use app::api_keys::Scope;
use app::conversations::{
    ChatMessage, Conversation, ConversationsPage, MessagesPage, NewConversation, PostedMessage,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path, Query};
use super::idempotency::ReplayAs;
use super::problem::Problem;
use super::responses::{BadBody, Invalid, NotFound, Refusals, Replays};
use super::runs::{events_of_queued, wants_events};
use crate::conversations::HeldBy;
use crate::db::tenant::Tenant;
use crate::state::AppState;

/// How long `?wait=true` holds the request before answering 202 with the turn so far.
const LONGEST_WAIT: Duration = Duration::from_secs(25);

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The archived conversations instead of the others.
    #[serde(default)]
    archived: bool,
    /// The `next_before` of the page before.
    #[param(format = DateTime)]
    before: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    /// The `next_before` of the page after: messages before this one.
    #[param(minimum = 1)]
    before: Option<i32>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SayQuery {
    /// Answer when the turn has ended (up to 25 s).
    #[serde(default)]
    wait: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SayBody {
    /// What the person says (at most 20,000 characters, not only spaces).
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    content: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// A new title (at most 200 characters, not only spaces).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    title: Option<String>,
    /// Archive (read-only, listed apart) or restore it.
    archived: Option<bool>,
}

/// A message taken, and, once its turn has ended, the agent's answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Turn {
    #[serde(flatten)]
    posted: PostedMessage,
    /// The agent's answer; none while the turn runs or when it failed (the message's
    /// `status` and `failure` say which).
    answer: Option<ChatMessage>,
}

#[utoipa::path(post, path = "/v1/agents/{id}/conversations", operation_id = "startConversation", tag = "Conversations", summary = "Start a conversation", description = "A conversation with an agent (kind: agent); its inputs are given once for every turn. Scope: run.", params(("id" = Uuid, Path, description = "The agent")), request_body = NewConversation, responses((status = 201, body = Conversation), Invalid, NotFound, Refusals, BadBody, Replays))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
    Body(new): Body<NewConversation>,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    let conversation = state
        .conversations
        .create(&caller.actor, agent_id, new)
        .await?;
    let location = format!("/v1/conversations/{}", conversation.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(conversation),
    )
        .into_response())
}

#[utoipa::path(get, path = "/v1/agents/{id}/conversations", operation_id = "listConversations", tag = "Conversations", summary = "List an agent's conversations", description = "The most recent first, 20 a page. Scope: read.", params(("id" = Uuid, Path, description = "The agent"), ListQuery), responses((status = 200, body = ConversationsPage), Invalid, NotFound, Refusals))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ConversationsPage>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(
        state
            .conversations
            .list(
                Tenant::of(&caller.actor),
                Some(agent_id),
                query.archived,
                HeldBy::Anyone,
                query.before.as_deref(),
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/v1/conversations/{id}", operation_id = "getConversation", tag = "Conversations", summary = "Get a conversation", description = "Scope: read.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 200, body = Conversation), NotFound, Invalid, Refusals))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Conversation>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(
        state
            .conversations
            .get(Tenant::of(&caller.actor), id)
            .await?,
    ))
}

#[utoipa::path(patch, path = "/v1/conversations/{id}", operation_id = "changeConversation", tag = "Conversations", summary = "Rename, archive or restore a conversation", description = "Scope: run.", params(("id" = Uuid, Path, description = "Its id")), request_body = ChangeBody, responses((status = 200, body = Conversation), Invalid, NotFound, Refusals, BadBody))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Body(change): Body<ChangeBody>,
) -> Result<Json<Conversation>, Problem> {
    caller.require(Scope::Run)?;
    if let Some(title) = &change.title {
        state.conversations.rename(&caller.actor, id, title).await?;
    }
    if let Some(archived) = change.archived {
        state
            .conversations
            .archive(&caller.actor, id, archived)
            .await?;
    }
    Ok(Json(
        state
            .conversations
            .get(Tenant::of(&caller.actor), id)
            .await?,
    ))
}

#[utoipa::path(get, path = "/v1/conversations/{id}/messages", operation_id = "listMessages", tag = "Conversations", summary = "List a conversation's messages", description = "Oldest first, the latest 50; `next_before` pages back. A person's message carries its turn's state. Scope: read.", params(("id" = Uuid, Path, description = "Its id"), MessagesQuery), responses((status = 200, body = MessagesPage), Invalid, NotFound, Refusals))]
pub async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(query): Query<MessagesQuery>,
) -> Result<Json<MessagesPage>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(
        state
            .conversations
            .messages(Tenant::of(&caller.actor), id, query.before)
            .await?,
    ))
}

#[utoipa::path(post, path = "/v1/conversations/{id}/messages", operation_id = "sendMessage", tag = "Conversations", summary = "Send a message", description = "Queues the turn that answers it: 202 with the message and its run; with `wait=true` the ended turn with the answer (200); with `Accept: text/event-stream` the run's live events (resume at `/v1/runs/{run}/events` with `Last-Event-ID`; the run's id is in the `Location` header). 409 while the agent is still answering, on an archived conversation, or once the conversation has spent its `max_conversation_cost_usd`. Honours `Idempotency-Key`. Scope: run.", params(("id" = Uuid, Path, description = "The conversation"), SayQuery), request_body = SayBody, responses((status = 202, body = Turn), (status = 200, body = Turn), Invalid, NotFound, Refusals, BadBody, Replays))]
pub async fn say(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(query): Query<SayQuery>,
    headers: HeaderMap,
    Body(body): Body<SayBody>,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    let posted = state
        .conversations
        .say(&caller.actor, id, &body.content)
        .await?;
    respond_with_turn(&state, &caller, query.wait, &headers, posted).await
}

#[utoipa::path(post, path = "/v1/conversations/{id}/regenerate", operation_id = "regenerateAnswer", tag = "Conversations", summary = "Answer the last message again", description = "Drops the last answer (its run stays, with its cost) and queues a new turn for the same message; also retries a turn that failed or was stopped. Answers as sending a message does: 202, `wait=true`, or `Accept: text/event-stream`. 409 while the agent is answering, on an archived conversation, past its ceiling, or with no message yet. Honours `Idempotency-Key`. Scope: run.", params(("id" = Uuid, Path, description = "The conversation"), SayQuery), responses((status = 202, body = Turn), (status = 200, body = Turn), Invalid, NotFound, Refusals, Replays))]
pub async fn regenerate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(query): Query<SayQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    let posted = state.conversations.regenerate(&caller.actor, id).await?;
    respond_with_turn(&state, &caller, query.wait, &headers, posted).await
}

/// A turn just queued, answered as asked: its live events, the ended turn (`wait`), or
/// at once (202).
async fn respond_with_turn(
    state: &AppState,
    caller: &Caller,
    wait: bool,
    headers: &HeaderMap,
    posted: PostedMessage,
) -> Result<Response, Problem> {
    let id = posted.conversation_id;
    let location = format!("/v1/runs/{}", posted.run_id);
    if wants_events(headers) {
        let accepted = ReplayAs {
            status: StatusCode::ACCEPTED,
            json: serde_json::to_value(Turn {
                posted: posted.clone(),
                answer: None,
            })
            .unwrap_or_default(),
        };
        let (team_id, run_id) = (caller.actor.team_id, posted.run_id);
        return Ok(events_of_queued(state, team_id, run_id, accepted).await);
    }
    let mut turn = Turn {
        posted,
        answer: None,
    };
    if wait {
        turn = wait_for_answer(state, caller, id, turn).await?;
    }
    let status =
        if turn.answer.is_some() || turn.posted.message.status.is_some_and(|s| s.is_final()) {
            StatusCode::OK
        } else {
            StatusCode::ACCEPTED
        };
    Ok((status, [(header::LOCATION, location)], Json(turn)).into_response())
}

/// The turn as it is once its run ends, or when the wait is up.
async fn wait_for_answer(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    mut turn: Turn,
) -> Result<Turn, Problem> {
    let deadline = tokio::time::Instant::now() + LONGEST_WAIT;
    let seq = turn.posted.message.seq;
    loop {
        let page = state
            .conversations
            .messages(Tenant::of(&caller.actor), id, None)
            .await?;
        if let Some(message) = page.messages.iter().find(|m| m.seq == seq) {
            turn.posted.message = message.clone();
        }
        turn.answer = page
            .messages
            .iter()
            .find(|m| m.seq > seq && m.run_id == Some(turn.posted.run_id))
            .cloned();
        let ended = turn.posted.message.status.is_some_and(|s| s.is_final());
        if ended || tokio::time::Instant::now() >= deadline {
            return Ok(turn);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
