//! Agents as models on `/v1/chat/completions`: `model: "agent:<id or name>"` answers
//! with the agent — its instructions, tools, invariants and routing — instead of a bare
//! model, so any OpenAI SDK can talk to an agent. The messages the client sends are the
//! conversation: it is kept as one (the team sees it beside the agent's others), its
//! last message is the turn, and the answer comes back as OpenAI's `chat.completion`,
//! or streamed as its chunks from the turn's run events.

use std::convert::Infallible;
use std::time::Duration;

use app::conversations::Speaker;
use app::runs::{RunEvent, RunStatus};
use axum::Json;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use super::auth::Caller;
use super::problem::{FieldProblem, Problem};
use crate::gateway::wire::{CompletionRequest, WireMessage};
use crate::runs::events;
use crate::state::AppState;

/// The `model` prefix that names an agent.
pub const AGENT_PREFIX: &str = "agent:";

/// The longest a non-streamed answer is waited for (the request timeout is longer).
const LONGEST_WAIT: Duration = Duration::from_secs(25);

/// Answers `request` with the agent its model names.
pub async fn complete(
    state: &AppState,
    caller: &Caller,
    agent: &str,
    request: CompletionRequest,
) -> Result<Response, Problem> {
    let transcript = transcript(&request.messages)?;
    let agent_id = state.conversations.find_agent(&caller.actor, agent).await?;
    let posted = state
        .conversations
        .from_transcript(&caller.actor, agent_id, transcript)
        .await?;
    let run_id = posted.run_id;
    let followed = events::follow(
        state.db.clone(),
        state.bus.clone(),
        caller.actor.team_id,
        run_id,
        None,
    )
    .await
    .map_err(|_| Problem::from(app::error::AppError::NotFound))?;
    let answer = Answer {
        id: format!("chatcmpl-{}", run_id.simple()),
        created: chrono::Utc::now().timestamp(),
        model: request.model.clone(),
    };
    if request.stream {
        let include_usage = request.stream_options.is_some_and(|o| o.include_usage);
        let usage_of = UsageLookup {
            state: state.clone(),
            caller: caller.clone(),
            run_id,
        };
        let chunks = answer.stream(followed, include_usage, usage_of);
        return Ok(Sse::new(chunks.map(Ok::<_, Infallible>)).into_response());
    }
    let ended = tokio::time::timeout(
        LONGEST_WAIT,
        followed
            .filter_map(|followed| async move {
                match followed.event {
                    RunEvent::Finished {
                        status,
                        output,
                        detail,
                        ..
                    } => Some((status, output, detail)),
                    _ => None,
                }
            })
            .boxed()
            .into_future(),
    )
    .await;
    let Ok((Some((status, output, detail)), _)) = ended else {
        return Err(still_running(run_id));
    };
    if status != RunStatus::Succeeded {
        return Err(turn_failed(status, detail));
    }
    let text = output
        .as_ref()
        .map(crate::conversations::answer_text)
        .unwrap_or_default();
    let (prompt, completion) = state
        .conversations
        .turn_tokens(&caller.actor, run_id)
        .await?;
    Ok(Json(answer.whole(&text, prompt, completion)).into_response())
}

/// The client's messages as the conversation: a person's and the assistant's turns
/// (text only); system and developer messages are the agent's own business (its
/// instructions), so they are left out; the last message is the person's.
fn transcript(messages: &[WireMessage]) -> Result<Vec<(Speaker, String)>, Problem> {
    let mut turns = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        let speaker = match message.role.as_str() {
            "user" => Speaker::User,
            "assistant" => Speaker::Assistant,
            "system" | "developer" => continue,
            other => {
                return Err(invalid(
                    index,
                    format!(
                        "an agent takes user and assistant messages, not `{other}` ones (its tools are its own)"
                    ),
                ));
            }
        };
        let text = message
            .content
            .as_ref()
            .map(|content| content.text())
            .transpose()
            .map_err(|reason| invalid(index, reason))?
            .unwrap_or_default();
        turns.push((speaker, text));
    }
    match turns.last() {
        Some((Speaker::User, text)) if !text.trim().is_empty() => Ok(turns),
        _ => Err(invalid(
            messages.len().saturating_sub(1),
            "the last message must be the user's, with text: it is what the agent answers".into(),
        )),
    }
}

fn invalid(index: usize, reason: String) -> Problem {
    Problem::invalid(vec![FieldProblem::new(
        format!("messages[{index}]"),
        reason,
    )])
}

fn still_running(run_id: Uuid) -> Problem {
    Problem::new(
        axum::http::StatusCode::GATEWAY_TIMEOUT,
        "agent-still-answering",
        "The agent is still answering",
        format!(
            "The turn goes on as run {run_id}: follow it at /v1/runs/{run_id}/events, or ask with `stream: true`."
        ),
    )
}

fn turn_failed(status: RunStatus, detail: Option<String>) -> Problem {
    Problem::new(
        axum::http::StatusCode::BAD_GATEWAY,
        "agent-failed",
        "The agent could not answer",
        format!(
            "The turn ended {}: {}",
            status.as_str(),
            detail.unwrap_or_else(|| "no reason given".into())
        ),
    )
}

/// Reads a turn's tokens once it has ended.
#[derive(Clone)]
struct UsageLookup {
    state: AppState,
    caller: Caller,
    run_id: Uuid,
}

impl UsageLookup {
    async fn tokens(&self) -> (i64, i64) {
        self.state
            .conversations
            .turn_tokens(&self.caller.actor, self.run_id)
            .await
            .unwrap_or_default()
    }
}

struct Answer {
    id: String,
    created: i64,
    model: String,
}

impl Answer {
    fn whole(&self, text: &str, prompt: i64, completion: i64) -> Value {
        json!({
            "id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop", "logprobs": null}],
            "usage": usage(prompt, completion),
        })
    }

    fn chunk(&self, delta: Value, finish: Option<&str>) -> Event {
        Event::default().data(
            json!({
                "id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}],
            })
            .to_string(),
        )
    }

    /// The turn's answer as OpenAI's chunks: its tokens as they come (a workflow node's
    /// and the memory's are not the answer), then the end — or the error, as OpenAI
    /// streams one — the usage if asked, and `[DONE]`.
    fn stream(
        self,
        followed: impl futures::Stream<Item = events::Followed> + Send + 'static,
        include_usage: bool,
        usage_of: UsageLookup,
    ) -> impl futures::Stream<Item = Event> + Send + 'static {
        let opening = self.chunk(json!({"role": "assistant", "content": ""}), None);
        let answer = std::sync::Arc::new(self);
        let body = followed.flat_map(move |followed| {
            let (answer, usage_of) = (answer.clone(), usage_of.clone());
            match followed.event {
                RunEvent::Token { text, node: None } => {
                    futures::stream::iter(vec![answer.chunk(json!({"content": text}), None)]).boxed()
                }
                RunEvent::Finished { status, detail, .. } => futures::stream::once(async move {
                    let mut events = Vec::new();
                    if status == RunStatus::Succeeded {
                        events.push(answer.chunk(json!({}), Some("stop")));
                    } else {
                        let failed = turn_failed(status, detail);
                        events.push(Event::default().data(
                            json!({"error": {"message": failed.detail(), "type": "agent_failed", "code": status.as_str()}})
                                .to_string(),
                        ));
                    }
                    if include_usage {
                        let (prompt, completion) = usage_of.tokens().await;
                        events.push(Event::default().data(
                            json!({
                                "id": answer.id, "object": "chat.completion.chunk", "created": answer.created,
                                "model": answer.model, "choices": [], "usage": usage(prompt, completion),
                            })
                            .to_string(),
                        ));
                    }
                    events.push(Event::default().data("[DONE]"));
                    futures::stream::iter(events)
                })
                .flatten()
                .boxed(),
                _ => futures::stream::empty().boxed(),
            }
        });
        futures::stream::once(async move { opening }).chain(body)
    }
}

fn usage(prompt: i64, completion: i64) -> Value {
    json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
}
