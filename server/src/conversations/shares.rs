//! Share links: an agent's public chat at `/c/<token>` for people without an account.
//! Admins and owners turn a link on or off, rotate it (the old address stops at once)
//! and set what its conversations may spend in a day. A visitor is known by a random
//! cookie, kept only as its SHA-256, and sees only their own conversations.
//!
//! The chat may also be embedded on the team's own sites (`embeds`), where a visitor
//! may be the site's signed-in user (`visitors`).
//!
//! A visitor's message passes two rate limits (per address and per link, one minute
//! windows in Redis, shared by every instance), then the link's daily budget: the
//! link's row is locked while a turn is queued, so concurrent visitors are counted one
//! after the other against what the link spent today plus what the turns under way may
//! still spend (each reserves the spec's `max_cost_usd`, or [`TURN_RESERVE`]).

use std::sync::Arc;

use app::backend::Actor;
use app::conversations::{
    MAX_SHARE_DAILY_BUDGET, NewConversation, PostedMessage, PublicChat, ShareLink, ShareSettings,
    VisitorPass,
};
use app::error::AppError;
use app::spec::{MicroUsd, Spec, SpecBody};
use sqlx::PgPool;
use uuid::Uuid;

use super::visitors::Visitor;
use super::{
    Chatter, ConversationsService, HeldBy, current_spec, embeds, insert_conversation, take_message,
};
use crate::crypto;
use crate::db::tenant::{self, Tenant, Tx};
use crate::errors::ServerError;
use crate::rate_limit::RateLimiter;
use crate::redis_client::RedisClient;
use crate::secrets::{Keyring, Sealed};

/// What a turn without the spec's own `max_cost_usd` is assumed to spend until it ends.
pub const TURN_RESERVE: MicroUsd = MicroUsd(20_000);

/// Messages a minute through a share link: from one address, and through one link.
#[derive(Debug, Clone, Copy)]
pub struct ShareLimits {
    pub per_address: u32,
    pub per_link: u32,
}

/// A share link found by its token, while it is on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Share {
    pub agent_id: Uuid,
    pub team_id: Uuid,
    /// The sites that may embed the chat.
    pub allowed_origins: Vec<String>,
    /// Only the embedding site's signed-in users may chat.
    pub signed_users_only: bool,
}

pub struct SharesService {
    pub(super) db: PgPool,
    conversations: Arc<ConversationsService>,
    keys: Arc<Keyring>,
    public_url: String,
    limiter: Arc<RateLimiter>,
    cache: Arc<RedisClient>,
    limits: ShareLimits,
}

#[derive(sqlx::FromRow)]
pub(super) struct ShareRow {
    team_id: Uuid,
    token_ciphertext: Vec<u8>,
    token_nonce: Vec<u8>,
    enabled: bool,
    daily_budget_micro_usd: i64,
    spent_today: i64,
    allowed_origins: Vec<String>,
    signed_users_only: bool,
    embed_secret_ciphertext: Option<Vec<u8>>,
    embed_secret_nonce: Option<Vec<u8>>,
}

/// Today's spend of an agent's share link: its visitors' turns since midnight UTC.
macro_rules! spent_today {
    () => {
        "(SELECT coalesce(sum(r.cost_micro_usd), 0)::bigint
            FROM runs r JOIN conversations c ON c.id = r.conversation_id
           WHERE c.agent_id = $1 AND c.visitor IS NOT NULL
             AND r.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    };
}

impl SharesService {
    pub fn new(
        db: PgPool,
        conversations: Arc<ConversationsService>,
        keys: Arc<Keyring>,
        public_url: String,
        limiter: Arc<RateLimiter>,
        cache: Arc<RedisClient>,
        limits: ShareLimits,
    ) -> SharesService {
        SharesService {
            db,
            conversations,
            keys,
            public_url,
            limiter,
            cache,
            limits,
        }
    }

    /// The agent's link, if it has one (admins and owners).
    pub async fn link(
        &self,
        actor: &Actor,
        agent_id: Uuid,
    ) -> Result<Option<ShareLink>, ServerError> {
        admin(actor)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        talking_agent(&mut tx, agent_id).await?;
        let mut row = self.row(&mut tx, agent_id).await?;
        if row
            .as_ref()
            .is_some_and(|row| row.embed_secret_ciphertext.is_none())
        {
            // A link made before embedding existed gets its secret when first looked at.
            self.new_embed_secret(&mut tx, actor.team_id, agent_id, false)
                .await?;
            row = self.row(&mut tx, agent_id).await?;
        }
        tx.commit().await?;
        row.map(|row| self.shown(row)).transpose()
    }

    /// Turns the link on or off and sets its budget; the first time, makes the link.
    pub async fn set(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        settings: &ShareSettings,
    ) -> Result<ShareLink, ServerError> {
        admin(actor)?;
        if settings.daily_budget < MicroUsd(0) || settings.daily_budget > MAX_SHARE_DAILY_BUDGET {
            return Err(AppError::invalid(
                "daily_budget",
                format!("A daily budget is between $0 and {MAX_SHARE_DAILY_BUDGET}."),
            )
            .into());
        }
        let origins = settings
            .allowed_origins
            .as_deref()
            .map(embeds::origins)
            .transpose()?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let spec = talking_agent(&mut tx, agent_id).await?;
        if settings.enabled {
            answerable_by_anyone(&spec)?;
        }
        let token = crypto::random_token();
        let sealed = self.seal(actor.team_id, &token)?;
        // Kept when the link has one: a new secret is asked for on its own.
        let secret = self.seal(actor.team_id, &crypto::random_token())?;
        sqlx::query(
            "INSERT INTO agent_shares (agent_id, team_id, token_hash, token_ciphertext, token_nonce,
                                       enabled, daily_budget_micro_usd, allowed_origins,
                                       signed_users_only, embed_secret_ciphertext, embed_secret_nonce)
             VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::text[], '{}'), coalesce($9, false), $10, $11)
             ON CONFLICT (agent_id) DO UPDATE
                SET enabled = EXCLUDED.enabled,
                    daily_budget_micro_usd = EXCLUDED.daily_budget_micro_usd,
                    allowed_origins = coalesce($8::text[], agent_shares.allowed_origins),
                    signed_users_only = coalesce($9, agent_shares.signed_users_only),
                    embed_secret_ciphertext = coalesce(agent_shares.embed_secret_ciphertext, EXCLUDED.embed_secret_ciphertext),
                    embed_secret_nonce = coalesce(agent_shares.embed_secret_nonce, EXCLUDED.embed_secret_nonce),
                    updated_at = now()",
        )
        .bind(agent_id)
        .bind(actor.team_id)
        .bind(crypto::sha256(&token))
        .bind(&sealed.ciphertext)
        .bind(&sealed.nonce)
        .bind(settings.enabled)
        .bind(settings.daily_budget.0)
        .bind(origins)
        .bind(settings.signed_users_only)
        .bind(&secret.ciphertext)
        .bind(&secret.nonce)
        .execute(&mut *tx)
        .await?;
        self.committed(tx, agent_id).await
    }

    /// A new address for the link: the old one stops working at once.
    pub async fn rotate(&self, actor: &Actor, agent_id: Uuid) -> Result<ShareLink, ServerError> {
        admin(actor)?;
        let token = crypto::random_token();
        let sealed = self.seal(actor.team_id, &token)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let rotated = sqlx::query(
            "UPDATE agent_shares SET token_hash = $2, token_ciphertext = $3, token_nonce = $4,
                    updated_at = now()
              WHERE agent_id = $1",
        )
        .bind(agent_id)
        .bind(crypto::sha256(&token))
        .bind(&sealed.ciphertext)
        .bind(&sealed.nonce)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if rotated == 0 {
            return Err(AppError::NotFound.into());
        }
        self.committed(tx, agent_id).await
    }

    /// The link of `token` while it is on (an unknown, rotated or disabled token is the
    /// same 404).
    pub async fn find(&self, token: &str) -> Result<Share, ServerError> {
        if token.is_empty() || token.len() > 100 {
            return Err(AppError::NotFound.into());
        }
        #[derive(sqlx::FromRow)]
        struct Found {
            enabled: bool,
            #[sqlx(flatten)]
            share: Share,
        }
        let found: Option<Found> = sqlx::query_as(
            "SELECT agent_id, team_id, enabled, allowed_origins, signed_users_only
               FROM agent_share_by_hash($1)",
        )
        .bind(crypto::sha256(token))
        .fetch_optional(&self.db)
        .await?;
        match found {
            Some(Found {
                enabled: true,
                share,
            }) => Ok(share),
            _ => Err(AppError::NotFound.into()),
        }
    }

    /// The public page: the agent and the visitor's own conversations, one open.
    pub async fn chat(
        &self,
        token: &str,
        pass: Option<&VisitorPass>,
        open: Option<Uuid>,
    ) -> Result<PublicChat, ServerError> {
        let share = self.find(token).await?;
        let visitor = match pass {
            Some(pass) => Some(self.identify(&share, pass).await?),
            None if share.signed_users_only => return Err(embeds::for_signed_users_only().into()),
            None => None,
        };
        let mut tx = tenant::begin(&self.db, Tenant::team(share.team_id)).await?;
        let (_, spec) = current_spec(&mut tx, share.agent_id).await?;
        tenant::done_reading(tx);
        let signed_in_as = visitor.as_ref().and_then(Visitor::shown_as);
        let chatter = chatter(&share, visitor.clone());
        let (conversations, open) = match &visitor {
            None if open.is_some() => return Err(AppError::NotFound.into()),
            None => (Vec::new(), None),
            Some(visitor) => {
                let tenant = Tenant::team(share.team_id);
                let listed = self
                    .conversations
                    .list(
                        tenant,
                        Some(share.agent_id),
                        false,
                        HeldBy::Visitor(&visitor.id),
                        None,
                    )
                    .await?;
                let open = match open {
                    Some(id) => {
                        self.own(&chatter, id).await?;
                        let mut open = self
                            .conversations
                            .open_as(tenant, share.agent_id, id, None)
                            .await?;
                        // A visitor sees the answers, not how the team's agent works.
                        for entry in &mut open.entries {
                            entry.steps.clear();
                            entry.message.run_id = None;
                        }
                        Some(open)
                    }
                    None => None,
                };
                (listed.conversations, open)
            }
        };
        Ok(PublicChat {
            agent_name: spec.name,
            description: spec.description,
            signed_in_as,
            conversations,
            open,
        })
    }

    /// A visitor's message: a new conversation (`conversation` none) or the next turn
    /// of one of theirs.
    pub async fn say(
        &self,
        token: &str,
        pass: &VisitorPass,
        address: Option<std::net::IpAddr>,
        conversation: Option<Uuid>,
        content: &str,
    ) -> Result<PostedMessage, ServerError> {
        let share = self.find(token).await?;
        let visitor = self.identify(&share, pass).await?;
        self.admit(&share, address).await?;
        let chatter = chatter(&share, Some(visitor));
        let mut tx = tenant::begin(&self.db, Tenant::team(share.team_id)).await?;
        let id = match conversation {
            Some(id) => {
                self.own_in(&mut tx, &chatter, id).await?;
                id
            }
            None => {
                let new = NewConversation::default();
                insert_conversation(&mut tx, &chatter, share.agent_id, "", new.inputs)
                    .await?
                    .id
            }
        };
        let posted = take_message(&mut tx, &chatter, id, content).await?;
        tx.commit().await?;
        Ok(posted)
    }

    /// Whether `run` answers a message of the visitor's, through this link: the run's
    /// events are theirs to follow.
    pub async fn visitor_run(
        &self,
        token: &str,
        pass: &VisitorPass,
        run: Uuid,
    ) -> Result<Share, ServerError> {
        let share = self.find(token).await?;
        let visitor = self.identify(&share, pass).await?;
        let mut tx = tenant::begin(&self.db, Tenant::team(share.team_id)).await?;
        let theirs: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM runs r JOIN conversations c ON c.id = r.conversation_id
                             WHERE r.id = $1 AND c.agent_id = $2 AND c.visitor = $3)",
        )
        .bind(run)
        .bind(share.agent_id)
        .bind(&visitor.id)
        .fetch_one(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        if theirs {
            Ok(share)
        } else {
            Err(AppError::NotFound.into())
        }
    }

    /// Stops the turn of `run`, one of the visitor's own.
    pub async fn stop(
        &self,
        token: &str,
        pass: &VisitorPass,
        run: Uuid,
    ) -> Result<(), ServerError> {
        let share = self.visitor_run(token, pass, run).await?;
        Ok(crate::runs::cancel_run(&self.db, Tenant::team(share.team_id), run).await?)
    }

    /// Counts the message against the address's and the link's minute.
    async fn admit(
        &self,
        share: &Share,
        address: Option<std::net::IpAddr>,
    ) -> Result<(), ServerError> {
        let address = address.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
        let buckets = [
            (
                format!("share:{}:ip:{address}", share.agent_id),
                self.limits.per_address,
            ),
            (format!("share:{}", share.agent_id), self.limits.per_link),
        ];
        for (bucket, limit) in buckets {
            let decision = self.limiter.check(&self.cache, &bucket, limit).await;
            if !decision.admitted {
                return Err(AppError::RateLimited {
                    retry_after_secs: decision.reset_secs.max(1),
                }
                .into());
            }
        }
        Ok(())
    }

    async fn own(&self, chatter: &Chatter, id: Uuid) -> Result<(), ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::team(chatter.team_id)).await?;
        self.own_in(&mut tx, chatter, id).await?;
        tenant::done_reading(tx);
        Ok(())
    }

    /// Another visitor's conversation (or a member's) is not found.
    async fn own_in(&self, tx: &mut Tx, chatter: &Chatter, id: Uuid) -> Result<(), ServerError> {
        let theirs: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1 AND visitor = $2)",
        )
        .bind(id)
        .bind(chatter.visitor.as_ref().map(|visitor| &visitor.id))
        .fetch_one(&mut **tx)
        .await?;
        if theirs {
            Ok(())
        } else {
            Err(AppError::NotFound.into())
        }
    }

    /// Commits a change to the link, and the link as it now is.
    pub(super) async fn committed(
        &self,
        mut tx: Tx,
        agent_id: Uuid,
    ) -> Result<ShareLink, ServerError> {
        let row = self
            .row(&mut tx, agent_id)
            .await?
            .ok_or(AppError::Internal)?;
        tx.commit().await?;
        self.shown(row)
    }

    pub(super) async fn row(
        &self,
        tx: &mut Tx,
        agent_id: Uuid,
    ) -> Result<Option<ShareRow>, ServerError> {
        Ok(sqlx::query_as(concat!(
            "SELECT team_id, token_ciphertext, token_nonce, enabled, daily_budget_micro_usd,
                    allowed_origins, signed_users_only, embed_secret_ciphertext, embed_secret_nonce, ",
            spent_today!(),
            " AS spent_today FROM agent_shares WHERE agent_id = $1"
        ))
        .bind(agent_id)
        .fetch_optional(&mut **tx)
        .await?)
    }

    pub(super) fn seal(&self, team_id: Uuid, token: &str) -> Result<Sealed, ServerError> {
        self.keys
            .seal_text(team_id, token)
            .map_err(|_| AppError::Internal.into())
    }

    pub(super) fn open(&self, team_id: Uuid, sealed: Sealed) -> Result<String, ServerError> {
        self.keys
            .open_text(team_id, &sealed)
            .map_err(|_| AppError::Internal.into())
    }

    pub(super) fn shown(&self, row: ShareRow) -> Result<ShareLink, ServerError> {
        let token = self.open(
            row.team_id,
            Sealed {
                ciphertext: row.token_ciphertext,
                nonce: row.token_nonce,
            },
        )?;
        let embed_secret = match (row.embed_secret_ciphertext, row.embed_secret_nonce) {
            (Some(ciphertext), Some(nonce)) => {
                self.open(row.team_id, Sealed { ciphertext, nonce })?
            }
            _ => String::new(),
        };
        let public_url = self.public_url.trim_end_matches('/');
        Ok(ShareLink {
            url: format!("{public_url}/c/{token}"),
            enabled: row.enabled,
            daily_budget: MicroUsd(row.daily_budget_micro_usd),
            spent_today: MicroUsd(row.spent_today),
            allowed_origins: row.allowed_origins,
            signed_users_only: row.signed_users_only,
            embed_secret,
            embed_snippet: embeds::snippet(public_url, &token),
        })
    }
}

/// A visitor of the share link, in the link's team.
fn chatter(share: &Share, visitor: Option<Visitor>) -> Chatter {
    Chatter {
        team_id: share.team_id,
        member: None,
        api_key_id: None,
        visitor,
    }
}

pub(super) fn admin(actor: &Actor) -> Result<(), ServerError> {
    if actor.role < app::auth::Role::Admin {
        return Err(AppError::Forbidden.into());
    }
    Ok(())
}

/// The team's agent that talks (a workflow has no share link).
pub(super) async fn talking_agent(tx: &mut Tx, agent_id: Uuid) -> Result<Spec, ServerError> {
    let (_, spec) = current_spec(tx, agent_id).await?;
    super::conversational(&spec)?;
    Ok(spec)
}

/// A visitor gives no inputs: an agent that needs some cannot be shared.
fn answerable_by_anyone(spec: &Spec) -> Result<(), ServerError> {
    let needed: Vec<&str> = spec
        .inputs
        .iter()
        .filter(|input| input.required && input.default.is_none())
        .map(|input| input.name.as_str())
        .collect();
    if needed.is_empty() {
        return Ok(());
    }
    Err(AppError::invalid(
        "enabled",
        format!(
            "A visitor cannot give this agent's required inputs ({}): give them defaults to share it.",
            needed.join(", ")
        ),
    )
    .into())
}

/// Refuses a visitor's turn once the link's day is spent: what it spent today, plus
/// what its turns under way may still spend, must leave room for this turn's reserve.
/// The link's row is locked until the turn is queued, so visitors arriving together
/// are counted one after the other.
pub(super) async fn within_daily_budget(
    tx: &mut Tx,
    agent_id: Uuid,
    spec: &Spec,
) -> Result<(), ServerError> {
    // The lock first, then the sums in a statement of their own: its snapshot is taken
    // once the lock is held, so it sees the turns queued by whoever held it before.
    let budget: Option<i64> = sqlx::query_scalar(
        "SELECT daily_budget_micro_usd FROM agent_shares WHERE agent_id = $1 FOR UPDATE",
    )
    .bind(agent_id)
    .fetch_optional(&mut **tx)
    .await?;
    let budget = budget.ok_or(AppError::NotFound)?;
    let (spent, under_way): (i64, i64) = sqlx::query_as(concat!(
        "SELECT ",
        spent_today!(),
        ", (SELECT count(*) FROM runs r JOIN conversations c ON c.id = r.conversation_id
             WHERE c.agent_id = $1 AND c.visitor IS NOT NULL AND r.status IN ('queued', 'running'))"
    ))
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?;
    let reserve = match &spec.body {
        SpecBody::Agent(agent) => agent.invariants.max_cost.unwrap_or(TURN_RESERVE),
        SpecBody::Workflow(_) => TURN_RESERVE,
    };
    if spent + (under_way + 1) * reserve.0 > budget {
        return Err(AppError::Conflict(
            "This chat has reached its daily limit. Please come back tomorrow.".into(),
        )
        .into());
    }
    Ok(())
}

/// Refuses a signed user's message past the daily quota their site gave them (their
/// messages to this agent since midnight UTC). Called with the link's row locked, so
/// two messages at once are counted one after the other.
pub(super) async fn within_daily_messages(
    tx: &mut Tx,
    agent_id: Uuid,
    visitor: &Visitor,
) -> Result<(), ServerError> {
    let Some(quota) = visitor
        .end_user
        .as_ref()
        .and_then(|user| user.daily_messages)
    else {
        return Ok(());
    };
    let (sent, until_midnight): (i64, f64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM conversation_messages m
                   JOIN conversations c ON c.id = m.conversation_id
                  WHERE c.agent_id = $1 AND c.visitor = $2 AND m.role = 'user'
                    AND m.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
                extract(epoch FROM (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day')
                                   - now() AT TIME ZONE 'UTC')::float8",
    )
    .bind(agent_id)
    .bind(&visitor.id)
    .fetch_one(&mut **tx)
    .await?;
    if sent >= i64::from(quota) {
        return Err(AppError::QuotaExceeded {
            message: format!(
                "You have sent your {quota} messages for today. They renew at midnight UTC."
            ),
            retry_after_secs: until_midnight.ceil().max(1.0) as u64,
        }
        .into());
    }
    Ok(())
}

/// Each answer's error mapped once, here.
#[async_trait::async_trait]
impl app::backend::Shares for SharesService {
    async fn link(&self, actor: &Actor, agent_id: Uuid) -> Result<Option<ShareLink>, AppError> {
        Ok(SharesService::link(self, actor, agent_id).await?)
    }

    async fn set(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        settings: &ShareSettings,
    ) -> Result<ShareLink, AppError> {
        Ok(SharesService::set(self, actor, agent_id, settings).await?)
    }

    async fn rotate(&self, actor: &Actor, agent_id: Uuid) -> Result<ShareLink, AppError> {
        Ok(SharesService::rotate(self, actor, agent_id).await?)
    }

    async fn rotate_embed_secret(
        &self,
        actor: &Actor,
        agent_id: Uuid,
    ) -> Result<ShareLink, AppError> {
        Ok(SharesService::rotate_embed_secret(self, actor, agent_id).await?)
    }

    fn new_visitor(&self) -> String {
        crypto::random_token()
    }

    async fn chat(
        &self,
        token: &str,
        pass: Option<&VisitorPass>,
        open: Option<Uuid>,
    ) -> Result<PublicChat, AppError> {
        Ok(SharesService::chat(self, token, pass, open).await?)
    }

    async fn say(
        &self,
        token: &str,
        pass: &VisitorPass,
        address: Option<std::net::IpAddr>,
        conversation: Option<Uuid>,
        content: &str,
    ) -> Result<PostedMessage, AppError> {
        Ok(SharesService::say(self, token, pass, address, conversation, content).await?)
    }

    async fn stop(&self, token: &str, pass: &VisitorPass, run: Uuid) -> Result<(), AppError> {
        Ok(SharesService::stop(self, token, pass, run).await?)
    }
}
