//! What gateway calls cost, kept off the request path: each call is added up in memory
//! per team, key, provider and model (a short lock, no task woken: at thousands of
//! calls a second a wake-up per call costs more than the adding), and a background
//! writer moves the sums to the daily roll-up and the month's token count about once a
//! second. Per-key
//! spending for budgets is kept in memory, loaded from the roll-up when first needed
//! and reloaded every [`SPENT_FRESH_FOR`], and raised by each call as it finishes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Datelike;
use sqlx::PgPool;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::usage::roll_up::{UsageRow, roll_up};

const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// How long a key's spending read from the database is trusted (other instances add
/// to it too).
const SPENT_FRESH_FOR: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default)]
pub struct Call {
    pub team_id: Uuid,
    pub api_key_id: Option<Uuid>,
    pub provider: &'static str,
    /// A table model's name is borrowed; a listed one's is owned.
    pub model: Cow<'static, str>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_micro_usd: i64,
    pub latency_ms: i64,
    pub failed: bool,
    /// Answered from the response cache: nothing charged, `cost_saved_micro_usd` saved.
    pub cache_hit: bool,
    pub cost_saved_micro_usd: i64,
}

type Bucket = (Uuid, Option<Uuid>, &'static str, Cow<'static, str>);
type Batch = HashMap<Bucket, Totals>;

#[derive(Default, Clone, Copy)]
struct Totals {
    requests: i64,
    failures: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    cost: i64,
    latency_ms: i64,
    cache_hits: i64,
    cost_saved: i64,
}

pub struct Meter {
    /// Calls added up since the writer last took them.
    pending: Arc<Mutex<Batch>>,
    /// Dropped with the meter: the writer then writes what is left and stops.
    _stop: oneshot::Sender<()>,
    spent: Mutex<HashMap<Uuid, Spent>>,
    db: PgPool,
}

#[derive(Clone, Copy)]
struct Spent {
    month: (i32, u32),
    micro_usd: i64,
    loaded: Instant,
}

impl Meter {
    /// Starts the background writer; it writes what is left when the meter goes.
    pub fn start(db: PgPool) -> Meter {
        let pending = Arc::new(Mutex::new(Batch::new()));
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(write_batches(db.clone(), Arc::clone(&pending), stopped));
        Meter {
            pending,
            _stop: stop,
            spent: Mutex::new(HashMap::new()),
            db,
        }
    }

    pub fn record(&self, call: Call) {
        if let Some(key) = call.api_key_id
            && let Ok(mut spent) = self.spent.lock()
            && let Some(entry) = spent.get_mut(&key)
        {
            entry.micro_usd += call.cost_micro_usd;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        add(&mut pending, &call);
    }

    /// What a key has spent through the gateway this month (UTC).
    pub async fn spent(&self, team_id: Uuid, key_id: Uuid) -> Result<i64, sqlx::Error> {
        let month = this_month();
        if let Ok(spent) = self.spent.lock()
            && let Some(entry) = spent.get(&key_id)
            && entry.month == month
            && entry.loaded.elapsed() < SPENT_FRESH_FOR
        {
            return Ok(entry.micro_usd);
        }
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let micro_usd: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(cost_micro_usd), 0)::bigint FROM usage_daily
              WHERE api_key_id = $1 AND day >= date_trunc('month', now() AT TIME ZONE 'utc')::date",
        )
        .bind(key_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Ok(mut spent) = self.spent.lock() {
            spent.insert(
                key_id,
                Spent {
                    month,
                    micro_usd,
                    loaded: Instant::now(),
                },
            );
        }
        Ok(micro_usd)
    }
}

fn this_month() -> (i32, u32) {
    let now = chrono::Utc::now();
    (now.year(), now.month())
}

async fn write_batches(db: PgPool, pending: Arc<Mutex<Batch>>, mut stopped: oneshot::Receiver<()>) {
    // What could not be written yet (the database away): kept for the next round.
    let mut batch = Batch::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        let last = tokio::select! {
            _ = &mut stopped => true,
            _ = tick.tick() => false,
        };
        let taken = std::mem::take(&mut *pending.lock().unwrap_or_else(|e| e.into_inner()));
        for (bucket, totals) in taken {
            batch.entry(bucket).or_default().merge(totals);
        }
        flush(&db, &mut batch).await;
        if last {
            return;
        }
    }
}

fn add(batch: &mut Batch, call: &Call) {
    let totals = batch
        .entry((
            call.team_id,
            call.api_key_id,
            call.provider,
            call.model.clone(),
        ))
        .or_default();
    totals.merge(Totals {
        requests: 1,
        failures: i64::from(call.failed),
        prompt_tokens: call.prompt_tokens,
        completion_tokens: call.completion_tokens,
        cost: call.cost_micro_usd,
        latency_ms: call.latency_ms,
        cache_hits: i64::from(call.cache_hit),
        cost_saved: call.cost_saved_micro_usd,
    });
}

impl Totals {
    fn merge(&mut self, more: Totals) {
        self.requests += more.requests;
        self.failures += more.failures;
        self.prompt_tokens += more.prompt_tokens;
        self.completion_tokens += more.completion_tokens;
        self.cost += more.cost;
        self.latency_ms += more.latency_ms;
        self.cache_hits += more.cache_hits;
        self.cost_saved += more.cost_saved;
    }
}

/// Writes the batch; a bucket whose write fails stays for the next round, so nothing is
/// lost while the database is away.
async fn flush(db: &PgPool, batch: &mut Batch) {
    let buckets: Vec<(Bucket, Totals)> = batch.iter().map(|(k, v)| (k.clone(), *v)).collect();
    for (bucket, totals) in buckets {
        match write(db, &bucket, totals).await {
            Ok(()) => {
                batch.remove(&bucket);
            }
            Err(error) => {
                tracing::warn!(%error, "could not record gateway usage; will retry");
                return;
            }
        }
    }
}

async fn write(
    db: &PgPool,
    (team_id, key, provider, model): &Bucket,
    t: Totals,
) -> Result<(), sqlx::Error> {
    let team_id = *team_id;
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let usage = UsageRow {
        team_id,
        agent_id: None,
        api_key_id: *key,
        provider,
        model,
        gateway_requests: t.requests,
        failures: t.failures,
        prompt_tokens: t.prompt_tokens,
        completion_tokens: t.completion_tokens,
        cost_micro_usd: t.cost,
        latency_ms: t.latency_ms,
        cache_hits: t.cache_hits,
        cost_saved_micro_usd: t.cost_saved,
        ..UsageRow::default()
    };
    roll_up(&mut tx, &usage).await?;
    crate::usage::quota::count_tokens(&mut tx, team_id, t.prompt_tokens + t.completion_tokens)
        .await?;
    tx.commit().await
}
