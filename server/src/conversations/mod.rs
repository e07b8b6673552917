//! Conversations with an agent. Each message a person sends is a turn, queued as a run
//! of the agent (`runs.conversation_id`) in the same transaction as the message, so the
//! run's steps, cost, quota, trace and webhooks are those of any run; the run's answer
//! becomes the agent's message when the run ends (`turn_ended`, in the transaction
//! that ends it, so an answer is never lost nor written twice). One turn at a time: a
//! message sent while the agent is still answering is refused, not queued behind it.

mod chat_view;
pub mod embeds;
pub mod history;
pub mod shares;
pub mod visitors;

use app::backend::Actor;
use app::conversations::{
    ChatMessage, Conversation, ConversationsPage, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS, MessagesPage,
    NewConversation, PostedMessage, Speaker, title_from,
};
use app::error::AppError;
use app::runs::RunStatus;
use app::spec::{MicroUsd, Spec, SpecBody};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant, Tx};
use crate::engine::check_inputs;
use crate::errors::ServerError;
use crate::runs::{self, Queued};

/// Conversations listed per page.
const PAGE: usize = 20;
/// Messages listed per page.
const MESSAGES_PAGE: usize = 50;

pub struct ConversationsService {
    db: PgPool,
}

/// Whose conversations a list holds.
#[derive(Debug, Clone, Copy)]
pub enum HeldBy<'a> {
    Anyone,
    /// Those a member started in the app.
    Member(Uuid),
    /// A share link visitor's (their id).
    Visitor(&'a str),
}

/// Who talks in a conversation: a member (in the app, or through one of their keys), or
/// a visitor of the agent's share link, who has no account.
#[derive(Debug, Clone)]
pub struct Chatter {
    pub team_id: Uuid,
    /// The member: the person in the app, or the maker of the key.
    pub member: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    /// A share link's visitor.
    pub visitor: Option<visitors::Visitor>,
}

impl From<&Actor> for Chatter {
    fn from(actor: &Actor) -> Chatter {
        Chatter {
            team_id: actor.team_id,
            member: Some(actor.user_id),
            api_key_id: actor.api_key_id,
            visitor: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: Uuid,
    agent_id: Uuid,
    title: String,
    cost_micro_usd: i64,
    archived: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    answering: bool,
}

/// A conversation's columns, as `ConversationRow` reads them (a literal, so queries are
/// built with `concat!` and nothing is formatted into SQL).
macro_rules! conversation_columns {
    () => {
        "c.id, c.agent_id, c.title, c.cost_micro_usd, c.archived_at IS NOT NULL AS archived,
         c.created_at, c.updated_at,
         EXISTS (SELECT 1 FROM runs r WHERE r.conversation_id = c.id
                   AND r.status IN ('queued', 'running')) AS answering"
    };
}

impl From<ConversationRow> for Conversation {
    fn from(row: ConversationRow) -> Conversation {
        Conversation {
            id: row.id,
            agent_id: row.agent_id,
            title: row.title,
            cost: MicroUsd(row.cost_micro_usd),
            archived: row.archived,
            created: rfc3339(row.created_at),
            updated: rfc3339(row.updated_at),
            answering: row.answering,
        }
    }
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    seq: i32,
    role: String,
    content: String,
    run_id: Option<Uuid>,
    status: Option<String>,
    failure_detail: Option<String>,
    created_at: DateTime<Utc>,
}

macro_rules! message_columns {
    () => {
        "m.seq, m.role, m.content, m.run_id, m.created_at,
         CASE WHEN m.role = 'user' THEN r.status::text END AS status,
         CASE WHEN m.role = 'user' THEN r.failure_detail END AS failure_detail"
    };
}

impl From<MessageRow> for ChatMessage {
    fn from(row: MessageRow) -> ChatMessage {
        ChatMessage {
            seq: row.seq,
            role: Speaker::parse(&row.role).unwrap_or(Speaker::User),
            content: row.content,
            run_id: row.run_id,
            status: row.status.as_deref().and_then(RunStatus::parse),
            failure: row.failure_detail,
            created: rfc3339(row.created_at),
        }
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The agent's current version and spec, or not found (another team's, archived).
async fn current_spec(tx: &mut Tx, agent_id: Uuid) -> Result<(i32, Spec), ServerError> {
    let row: Option<(i32, sqlx::types::Json<Spec>)> = sqlx::query_as(
        "SELECT a.current_version, v.spec FROM agents a
           JOIN agent_versions v ON v.agent_id = a.id AND v.version = a.current_version
          WHERE a.id = $1 AND a.archived_at IS NULL",
    )
    .bind(agent_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (version, spec) = row.ok_or(AppError::NotFound)?;
    Ok((version, spec.0))
}

/// Chat is a conversation with one agent; a workflow's graph has no single voice to
/// answer in turns.
fn conversational(spec: &Spec) -> Result<(), ServerError> {
    match spec.body {
        SpecBody::Agent(_) => Ok(()),
        SpecBody::Workflow(_) => Err(AppError::invalid(
            "agent_id",
            "Conversations are with agents (kind: agent); this one is a workflow. Run it instead.",
        )
        .into()),
    }
}

fn checked_title(title: &str) -> Result<String, ServerError> {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::invalid(
            "title",
            format!("A title has at most {MAX_TITLE_CHARS} characters."),
        )
        .into());
    }
    Ok(title)
}

impl ConversationsService {
    pub fn new(db: PgPool) -> ConversationsService {
        ConversationsService { db }
    }

    pub async fn create(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        new: NewConversation,
    ) -> Result<Conversation, ServerError> {
        let title = checked_title(new.title.as_deref().unwrap_or_default())?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let row = insert_conversation(&mut tx, &Chatter::from(actor), agent_id, &title, new.inputs)
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// A conversation the caller brings whole (the gateway's messages): kept as one, its
    /// last message (the person's) the turn to answer.
    pub async fn from_transcript(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        mut turns: Vec<(Speaker, String)>,
    ) -> Result<PostedMessage, ServerError> {
        let Some((Speaker::User, message)) = turns.pop() else {
            return Err(
                AppError::invalid("messages", "The last message must be the person's.").into(),
            );
        };
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let title = title_from(&message);
        let row = insert_conversation(
            &mut tx,
            &Chatter::from(actor),
            agent_id,
            &title,
            Default::default(),
        )
        .await?;
        for (seq, (speaker, text)) in (1..).zip(&turns) {
            sqlx::query(
                "INSERT INTO conversation_messages (conversation_id, seq, team_id, role, content)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(row.id)
            .bind(seq)
            .bind(actor.team_id)
            .bind(speaker.as_str())
            .bind(text)
            .execute(&mut *tx)
            .await?;
        }
        let posted = take_message(&mut tx, &Chatter::from(actor), row.id, &message).await?;
        tx.commit().await?;
        Ok(posted)
    }

    /// The agent a gateway request names: by id, or by name (as written, or lower case
    /// with dashes: `agent:support-bot`).
    pub async fn find_agent(&self, actor: &Actor, reference: &str) -> Result<Uuid, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM agents
              WHERE archived_at IS NULL
                AND (id::text = $1 OR lower(name) = lower($1)
                     OR trim(BOTH '-' FROM regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g')) = lower($1))
              LIMIT 2",
        )
        .bind(reference.trim())
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        match ids.as_slice() {
            [id] => Ok(*id),
            [] => Err(AppError::NotFound.into()),
            _ => Err(AppError::invalid(
                "model",
                format!("More than one agent is called “{reference}”: name it by id (agent:<id>)."),
            )
            .into()),
        }
    }

    /// The agent's current spec, when it is an agent that talks.
    async fn agent_spec(&self, actor: &Actor, agent_id: Uuid) -> Result<Spec, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let (_, spec) = current_spec(&mut tx, agent_id).await?;
        tenant::done_reading(tx);
        conversational(&spec)?;
        Ok(spec)
    }

    /// The prompt and completion tokens of a turn's run.
    pub async fn turn_tokens(
        &self,
        actor: &Actor,
        run_id: Uuid,
    ) -> Result<(i64, i64), ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let tokens: Option<(i64, i64)> =
            sqlx::query_as("SELECT prompt_tokens, completion_tokens FROM runs WHERE id = $1")
                .bind(run_id)
                .fetch_optional(&mut *tx)
                .await?;
        tenant::done_reading(tx);
        Ok(tokens.ok_or(AppError::NotFound)?)
    }

    /// The team's conversations with an agent (or with every agent), the most recent
    /// first, of anyone or only of `held_by`.
    pub async fn list(
        &self,
        tenant: Tenant,
        agent_id: Option<Uuid>,
        archived: bool,
        held_by: HeldBy<'_>,
        before: Option<&str>,
    ) -> Result<ConversationsPage, ServerError> {
        let before = before
            .map(|cursor| DateTime::parse_from_rfc3339(cursor).map(|at| at.with_timezone(&Utc)))
            .transpose()
            .map_err(|_| AppError::invalid("before", "Not a page of this list."))?;
        let (member, visitor) = match held_by {
            HeldBy::Anyone => (None, None),
            HeldBy::Member(user_id) => (Some(user_id), None),
            HeldBy::Visitor(visitor) => (None, Some(visitor)),
        };
        let mut tx = tenant::begin(&self.db, tenant).await?;
        if let Some(agent_id) = agent_id {
            // Another team's agent is not found, as the agent itself is.
            let known: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agents WHERE id = $1)")
                    .bind(agent_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if !known {
                return Err(AppError::NotFound.into());
            }
        }
        let mut rows: Vec<ConversationRow> = sqlx::query_as(concat!(
            "SELECT ",
            conversation_columns!(),
            " FROM conversations c
              WHERE ($1::uuid IS NULL OR c.agent_id = $1)
                AND (c.archived_at IS NOT NULL) = $2
                AND ($3::uuid IS NULL OR c.created_by = $3)
                AND ($4::timestamptz IS NULL OR c.updated_at < $4)
                AND ($5::text IS NULL OR c.visitor = $5)
              ORDER BY c.updated_at DESC, c.id LIMIT 21"
        ))
        .bind(agent_id)
        .bind(archived)
        .bind(member)
        .bind(before)
        .bind(visitor)
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        let more = rows.len() > PAGE;
        rows.truncate(PAGE);
        let next_before = match rows.last() {
            Some(last) if more => Some(rfc3339(last.updated_at)),
            _ => None,
        };
        Ok(ConversationsPage {
            conversations: rows.into_iter().map(Conversation::from).collect(),
            next_before,
        })
    }

    pub async fn get(&self, tenant: Tenant, id: Uuid) -> Result<Conversation, ServerError> {
        let mut tx = tenant::begin(&self.db, tenant).await?;
        let row: Option<ConversationRow> = sqlx::query_as(concat!(
            "SELECT ",
            conversation_columns!(),
            " FROM conversations c WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        Ok(row.ok_or(AppError::NotFound)?.into())
    }

    /// The latest messages (or those before `before`), oldest first.
    pub async fn messages(
        &self,
        tenant: Tenant,
        id: Uuid,
        before: Option<i32>,
    ) -> Result<MessagesPage, ServerError> {
        let mut tx = tenant::begin(&self.db, tenant).await?;
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1)")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if !known {
            return Err(AppError::NotFound.into());
        }
        let mut rows: Vec<MessageRow> = sqlx::query_as(concat!(
            "SELECT ",
            message_columns!(),
            " FROM conversation_messages m LEFT JOIN runs r ON r.id = m.run_id
              WHERE m.conversation_id = $1 AND ($2::int IS NULL OR m.seq < $2)
              ORDER BY m.seq DESC LIMIT 51"
        ))
        .bind(id)
        .bind(before)
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        let more = rows.len() > MESSAGES_PAGE;
        rows.truncate(MESSAGES_PAGE);
        rows.reverse();
        let next_before = rows.first().filter(|_| more).map(|first| first.seq);
        Ok(MessagesPage {
            messages: rows.into_iter().map(ChatMessage::from).collect(),
            next_before,
        })
    }

    /// Takes a person's message and queues the turn that answers it.
    pub async fn say(
        &self,
        actor: &Actor,
        id: Uuid,
        content: &str,
    ) -> Result<PostedMessage, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let posted = take_message(&mut tx, &Chatter::from(actor), id, content).await?;
        tx.commit().await?;
        Ok(posted)
    }

    /// A new conversation and its first message, in one transaction: a refused message
    /// leaves no empty conversation behind.
    pub async fn start(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        new: NewConversation,
        content: &str,
    ) -> Result<PostedMessage, ServerError> {
        let title = checked_title(new.title.as_deref().unwrap_or_default())?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let row = insert_conversation(&mut tx, &Chatter::from(actor), agent_id, &title, new.inputs)
            .await?;
        let posted = take_message(&mut tx, &Chatter::from(actor), row.id, content).await?;
        tx.commit().await?;
        Ok(posted)
    }

    /// Answers the last message again: its answer (if it had one) is dropped and a new
    /// turn answers the same message. The dropped answer's run stays, with its cost.
    pub async fn regenerate(&self, actor: &Actor, id: Uuid) -> Result<PostedMessage, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let run_id = queue_turn(&mut tx, &Chatter::from(actor), id).await?;
        let last: Option<(i32, String)> = sqlx::query_as(
            "SELECT seq, role FROM conversation_messages
              WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let message = match last {
            Some((seq, role)) if role == Speaker::Assistant.as_str() => {
                sqlx::query(
                    "DELETE FROM conversation_messages WHERE conversation_id = $1 AND seq = $2",
                )
                .bind(id)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
                seq - 1
            }
            Some((seq, _)) => seq,
            None => {
                return Err(AppError::Conflict(
                    "Nothing to answer again: this conversation has no messages yet.".into(),
                )
                .into());
            }
        };
        let row: MessageRow = sqlx::query_as(concat!(
            "WITH m AS (UPDATE conversation_messages SET run_id = $3
                         WHERE conversation_id = $1 AND seq = $2 AND role = 'user' RETURNING *)
             SELECT ",
            message_columns!(),
            " FROM m LEFT JOIN runs r ON r.id = m.run_id"
        ))
        .bind(id)
        .bind(message)
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE conversations SET updated_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(PostedMessage {
            conversation_id: id,
            message: row.into(),
            run_id,
        })
    }

    pub async fn rename(&self, actor: &Actor, id: Uuid, title: &str) -> Result<(), ServerError> {
        let title = checked_title(title)?;
        if title.is_empty() {
            return Err(AppError::invalid("title", "Give it a title.").into());
        }
        self.update(
            actor,
            id,
            "UPDATE conversations SET title = $2 WHERE id = $1",
            &title,
        )
        .await
    }

    /// Archives the conversation (or restores it): an archived one is read-only and
    /// listed apart.
    pub async fn archive(
        &self,
        actor: &Actor,
        id: Uuid,
        archived: bool,
    ) -> Result<(), ServerError> {
        self.update(
            actor,
            id,
            "UPDATE conversations
                SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END
              WHERE id = $1",
            archived,
        )
        .await
    }

    /// Runs `statement` on the conversation `id` with `value` as `$2`; none updated is
    /// another team's (or no) conversation.
    async fn update<T>(
        &self,
        actor: &Actor,
        id: Uuid,
        statement: &'static str,
        value: T,
    ) -> Result<(), ServerError>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let updated = sqlx::query(statement)
            .bind(id)
            .bind(value)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(AppError::NotFound.into());
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A new conversation with the agent, its inputs checked against the current spec.
async fn insert_conversation(
    tx: &mut Tx,
    chatter: &Chatter,
    agent_id: Uuid,
    title: &str,
    inputs: serde_json::Map<String, Value>,
) -> Result<ConversationRow, ServerError> {
    let (_, spec) = current_spec(tx, agent_id).await?;
    conversational(&spec)?;
    let inputs = check_inputs(&spec, &inputs)
        .map_err(|problems| AppError::invalid("inputs", problems.join("; ")))?;
    let end_user = chatter
        .visitor
        .as_ref()
        .and_then(|visitor| visitor.end_user.as_ref());
    Ok(sqlx::query_as(concat!(
        "WITH c AS (INSERT INTO conversations (team_id, agent_id, title, inputs, created_by, api_key_id,
                                               visitor, end_user, end_user_name)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *)
         SELECT ",
        conversation_columns!(),
        " FROM c"
    ))
    .bind(chatter.team_id)
    .bind(agent_id)
    .bind(title)
    .bind(Value::Object(inputs))
    // A key's conversation is the key's, not its maker's.
    .bind(chatter.member.filter(|_| chatter.api_key_id.is_none()))
    .bind(chatter.api_key_id)
    .bind(chatter.visitor.as_ref().map(|visitor| &visitor.id))
    .bind(end_user.map(|user| &user.id))
    .bind(end_user.and_then(|user| user.name.as_ref()))
    .fetch_one(&mut **tx)
    .await?)
}

/// Takes a person's message into the conversation and queues the turn that answers it.
async fn take_message(
    tx: &mut Tx,
    chatter: &Chatter,
    id: Uuid,
    content: &str,
) -> Result<PostedMessage, ServerError> {
    let content = content.trim();
    if content.is_empty() {
        return Err(AppError::invalid("content", "Write a message.").into());
    }
    if content.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::invalid(
            "content",
            format!("A message has at most {MAX_MESSAGE_CHARS} characters."),
        )
        .into());
    }
    let run_id = queue_turn(tx, chatter, id).await?;
    let row: MessageRow = sqlx::query_as(
        "WITH m AS (
            INSERT INTO conversation_messages (conversation_id, seq, team_id, role, content, run_id)
            SELECT $1, coalesce(max(seq), 0) + 1, $2, 'user', $3, $4
              FROM conversation_messages WHERE conversation_id = $1
            RETURNING *)
         SELECT m.seq, m.role, m.content, m.run_id, m.created_at,
                'queued'::text AS status, NULL::text AS failure_detail
           FROM m",
    )
    .bind(id)
    .bind(chatter.team_id)
    .bind(content)
    .bind(run_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE conversations SET updated_at = now(),
                title = CASE WHEN title = '' THEN $2 ELSE title END
          WHERE id = $1",
    )
    .bind(id)
    .bind(title_from(content))
    .execute(&mut **tx)
    .await?;
    Ok(PostedMessage {
        conversation_id: id,
        message: row.into(),
        run_id,
    })
}

/// Queues the run of a turn of conversation `id` once the conversation may take one:
/// not archived, not answering, under its cost ceiling, with an agent that talks.
async fn queue_turn(tx: &mut Tx, chatter: &Chatter, id: Uuid) -> Result<Uuid, ServerError> {
    // Locked: two messages sent at once are taken one after the other, and the second
    // finds the first's turn under way.
    let row: Option<(Uuid, Value, bool, i64, bool)> = sqlx::query_as(
        "SELECT c.agent_id, c.inputs, c.archived_at IS NOT NULL, c.cost_micro_usd,
                EXISTS (SELECT 1 FROM runs r WHERE r.conversation_id = c.id
                          AND r.status IN ('queued', 'running'))
           FROM conversations c WHERE c.id = $1 FOR UPDATE OF c",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let (agent_id, inputs, archived, spent, answering) = row.ok_or(AppError::NotFound)?;
    if archived {
        return Err(AppError::Conflict(
            "This conversation is archived: restore it to go on, or start a new one.".into(),
        )
        .into());
    }
    if answering {
        return Err(AppError::Conflict(
            "The agent is still answering the last message: wait for its answer, or stop it."
                .into(),
        )
        .into());
    }
    let (version, spec) = current_spec(tx, agent_id).await?;
    conversational(&spec)?;
    if let Some(ceiling) = conversation_ceiling(&spec)
        && MicroUsd(spent) >= ceiling
    {
        return Err(AppError::Conflict(format!(
            "This conversation has spent its {ceiling} ceiling (max_conversation_cost_usd): start a new conversation to go on."
        ))
        .into());
    }
    if let Some(visitor) = &chatter.visitor {
        shares::within_daily_budget(tx, agent_id, &spec).await?;
        shares::within_daily_messages(tx, agent_id, visitor).await?;
    }
    // The spec may have changed since the conversation began: its inputs are checked
    // against the version that answers.
    let given = inputs.as_object().cloned().unwrap_or_default();
    let inputs = check_inputs(&spec, &given)
        .map_err(|problems| AppError::invalid("inputs", problems.join("; ")))?;
    Ok(runs::queue(
        tx,
        Queued {
            team_id: chatter.team_id,
            agent_id,
            version,
            input: inputs,
            api_key_id: chatter.api_key_id,
            created_by: chatter.member,
            conversation_id: Some(id),
        },
    )
    .await?)
}

/// The most a conversation with this agent may spend.
fn conversation_ceiling(spec: &Spec) -> Option<MicroUsd> {
    match &spec.body {
        SpecBody::Agent(agent) => agent.invariants.max_conversation_cost,
        SpecBody::Workflow(_) => None,
    }
}

/// A turn's run has ended (in the transaction that ends it): what it cost counts toward
/// the conversation, and its answer, if it has one, is the agent's next message.
pub async fn turn_ended(
    tx: &mut Tx,
    conversation_id: Uuid,
    run_id: Uuid,
    cost: MicroUsd,
    output: Option<&Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE conversations SET cost_micro_usd = cost_micro_usd + $2, updated_at = now() WHERE id = $1",
    )
    .bind(conversation_id)
    .bind(cost.0)
    .execute(&mut **tx)
    .await?;
    let Some(output) = output else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO conversation_messages (conversation_id, seq, team_id, role, content, run_id)
         SELECT $1, coalesce(max(m.seq), 0) + 1, c.team_id, 'assistant', $3, $2
           FROM conversations c LEFT JOIN conversation_messages m ON m.conversation_id = c.id
          WHERE c.id = $1
          GROUP BY c.team_id",
    )
    .bind(conversation_id)
    .bind(run_id)
    .bind(answer_text(output))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An answer as the conversation shows it: text as it is, a structured answer as JSON.
pub fn answer_text(output: &Value) -> String {
    match output {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
