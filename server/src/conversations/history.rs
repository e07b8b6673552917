//! A turn's view of its conversation, read by the worker that answers it: the summary
//! kept so far, the answered exchanges after it, and the person's new message. When
//! they outgrow the spec's history budget, the oldest are folded into the summary
//! first (`engine::memory`), and the new summary is kept at once: a retried turn, or
//! the next one, starts from it instead of paying for it again.

use app::conversations::Speaker;
use app::spec::Spec;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::engine::{Chat, RunContext, RunFailure, memory};

/// What the turn of run `run_id` sees, within its spec's history budget.
pub async fn prepare(
    db: &PgPool,
    ctx: &RunContext,
    spec: &Spec,
    team_id: Uuid,
    conversation_id: Uuid,
    run_id: Uuid,
) -> Result<Chat, RunFailure> {
    let reading = |error| RunFailure::internal("reading the conversation", error);
    let turn = load(db, team_id, conversation_id, run_id)
        .await
        .map_err(reading)?
        .ok_or_else(|| RunFailure::new("invalid_input", "the message this turn answers is gone"))?;
    let budget = spec
        .model
        .history_tokens
        .unwrap_or(memory::DEFAULT_HISTORY_TOKENS);
    let texts: Vec<(Speaker, String)> = turn
        .earlier
        .iter()
        .map(|(_, speaker, text)| (*speaker, text.clone()))
        .collect();
    let fold = memory::to_fold(&texts, &turn.message, budget, turn.summary.is_some());
    let mut summary = turn.summary;
    if let Some((through, _, _)) = fold.checked_sub(1).and_then(|last| turn.earlier.get(last)) {
        let folded =
            memory::summarise(ctx, &spec.model, summary.as_deref(), &texts[..fold], budget).await?;
        keep_summary(db, team_id, conversation_id, &folded, *through)
            .await
            .map_err(|error| RunFailure::internal("keeping the conversation's summary", error))?;
        summary = Some(folded);
    }
    Ok(Chat {
        summary,
        earlier: memory::as_messages(&texts[fold..]),
        message: turn.message,
    })
}

struct Turn {
    summary: Option<String>,
    /// After the summary, before this turn: (seq, who, text), answered exchanges only.
    earlier: Vec<(i32, Speaker, String)>,
    message: String,
}

async fn load(
    db: &PgPool,
    team_id: Uuid,
    conversation_id: Uuid,
    run_id: Uuid,
) -> Result<Option<Turn>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let Some((summary, through)): Option<(Option<String>, i32)> =
        sqlx::query_as("SELECT summary, summary_through FROM conversations WHERE id = $1")
            .bind(conversation_id)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(None);
    };
    let Some((seq, message)): Option<(i32, String)> = sqlx::query_as(
        "SELECT seq, content FROM conversation_messages
          WHERE conversation_id = $1 AND run_id = $2 AND role = 'user'",
    )
    .bind(conversation_id)
    .bind(run_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    // A message whose turn failed has no answer after it: it is left out, so the model
    // sees the exchanges that happened (and providers that want turns to alternate get
    // them).
    let rows: Vec<(i32, String, String)> = sqlx::query_as(
        "SELECT m.seq, m.role, m.content FROM conversation_messages m
          WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3
            AND (m.role = 'assistant' OR EXISTS (
                  SELECT 1 FROM conversation_messages a
                   WHERE a.conversation_id = m.conversation_id AND a.seq = m.seq + 1
                     AND a.role = 'assistant'))
          ORDER BY m.seq",
    )
    .bind(conversation_id)
    .bind(through)
    .bind(seq)
    .fetch_all(&mut *tx)
    .await?;
    tenant::done_reading(tx);
    let earlier = rows
        .into_iter()
        .filter_map(|(seq, role, text)| Some((seq, Speaker::parse(&role)?, text)))
        .collect();
    Ok(Some(Turn {
        summary,
        earlier,
        message,
    }))
}

/// Keeps the summary of the messages up to `through`, unless a later one is kept.
async fn keep_summary(
    db: &PgPool,
    team_id: Uuid,
    conversation_id: Uuid,
    summary: &str,
    through: i32,
) -> Result<(), sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    sqlx::query(
        "UPDATE conversations SET summary = $2, summary_through = $3
          WHERE id = $1 AND summary_through < $3",
    )
    .bind(conversation_id)
    .bind(summary)
    .bind(through)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
