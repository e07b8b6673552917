//! Workers: claim queued runs (Postgres `FOR UPDATE SKIP LOCKED` through `claim_run`),
//! hold a lease while running, and finish them. Postgres rather than Redis Streams is
//! the queue because a run and its place in the queue are then one row committed in one
//! transaction — nothing is lost if Redis is down, and a crashed worker's run is simply
//! claimed again when its lease lapses. LISTEN/NOTIFY wakes idle workers at once.
//!
//! Draining (SIGTERM): no new run is claimed; the runs in hand get most of the grace
//! period to finish, then stop and hand their lease back, so another worker continues them at once
//! from their recorded steps (a hand-back is not counted as a crashed attempt).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::runs::{RunEvent, RunStatus};
use app::spec::Spec;
use serde_json::{Map, Value};
use sqlx::PgPool;
use tokio::sync::{Notify, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{Instrument, Span};
use uuid::Uuid;

use super::event_bus::EventBus;
use super::recorder::PgRecorder;
use super::store::{self, Ending, RunJob};
use super::{secrets_for, team_providers};
use crate::db::schema;
use crate::engine::agent_loop::replay;
use crate::engine::spans::{self, RunIds};
use crate::engine::workflow::NodeResult;
use crate::engine::{CancelFlag, Engine, Resume, RunFailure, check_inputs};
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::telemetry;

/// A run claimed more often than this has crashed its workers repeatedly: fail it.
const MAX_ATTEMPTS: i32 = 3;

#[derive(Clone)]
pub struct Workers {
    pub db: PgPool,
    pub bus: EventBus,
    pub engine: Arc<Engine>,
    pub metrics: Arc<Metrics>,
    /// The teams' knowledge bases, for agents that search them.
    pub knowledge: Option<Arc<crate::knowledge::KnowledgeService>>,
    pub id: String,
}

impl Workers {
    /// Runs `concurrency` runs at a time, once the schema fits this release, until the
    /// drain; the handle resolves when the drain is over.
    pub fn spawn(
        self,
        database_url: String,
        concurrency: usize,
        shutdown: Shutdown,
    ) -> JoinHandle<()> {
        let wake = Arc::new(Notify::new());
        let listener = tokio::spawn(crate::db::notify::wake_on(
            database_url,
            "runs_queued",
            wake.clone(),
        ));
        tokio::spawn(async move {
            tokio::select! {
                () = schema::wait_until_compatible(&self.db) => {}
                _ = shutdown.begun() => return,
            }
            let mut in_hand = InHand::default();
            self.claim_until(&shutdown, concurrency, &wake, &mut in_hand)
                .await;
            listener.abort();
            self.drain(in_hand, shutdown.run_drain()).await;
        })
    }

    /// Claims and starts runs while slots are free, until the drain begins.
    async fn claim_until(
        &self,
        shutdown: &Shutdown,
        concurrency: usize,
        wake: &Notify,
        in_hand: &mut InHand,
    ) {
        let slots = Arc::new(Semaphore::new(concurrency.max(1)));
        loop {
            in_hand.reap();
            let permit = tokio::select! {
                biased;
                _ = shutdown.begun() => return,
                permit = slots.clone().acquire_owned() => permit,
            };
            let Ok(permit) = permit else { return };
            match self.claim().await {
                Ok(Some((run_id, team_id, attempts))) => {
                    let workers = self.clone();
                    in_hand.start(run_id, team_id, async move {
                        workers.execute(run_id, team_id, attempts).await;
                        drop(permit);
                    });
                }
                Ok(None) => {
                    drop(permit);
                    // Sleep until a run is queued, or poll now and then (a missed
                    // notification, or a lease that lapsed).
                    tokio::select! {
                        _ = shutdown.begun() => return,
                        _ = tokio::time::timeout(Duration::from_secs(1), wake.notified()) => {}
                    }
                }
                Err(error) => {
                    drop(permit);
                    tracing::warn!(%error, "could not claim runs; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Lets the runs in hand finish within `time`, then stops the rest and hands their
    /// leases back.
    async fn drain(&self, mut in_hand: InHand, time: Duration) {
        let running = in_hand.runs.len();
        if running > 0 {
            tracing::info!(running, "draining: letting the runs in hand finish");
        }
        let finished = tokio::time::timeout(time, async {
            while let Some(done) = in_hand.tasks.join_next_with_id().await {
                in_hand.forget(done);
            }
        })
        .await;
        if finished.is_ok() {
            return;
        }
        // Stopped before handing back, so no step is written after another worker took over.
        in_hand.tasks.shutdown().await;
        for (run_id, team_id) in in_hand.runs.into_values() {
            match super::hand_back(&self.db, team_id, run_id, &self.id).await {
                Ok(()) => {
                    tracing::info!(run = %run_id, "handed back to be continued by another worker")
                }
                Err(error) => {
                    tracing::warn!(%error, run = %run_id, "could not hand the run back; its lease will lapse")
                }
            }
        }
    }

    async fn claim(&self) -> Result<Option<(Uuid, Uuid, i32)>, sqlx::Error> {
        let lease = self.engine.settings.lease.as_secs() as i32;
        sqlx::query_as("SELECT id, team_id, attempts FROM claim_run($1, $2)")
            .bind(&self.id)
            .bind(lease)
            .fetch_optional(&self.db)
            .await
    }

    async fn execute(&self, run_id: Uuid, team_id: Uuid, attempts: i32) {
        let fail = |reason: &'static str, detail: String| RunFailure::new(reason, detail);
        let job = match store::load_job(&self.db, team_id, run_id).await {
            Ok(Some(job)) => job,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, run = %run_id, "could not load run; its lease will lapse and it will be retried");
                return;
            }
        };
        let started = Instant::now();
        if attempts == 1 {
            self.metrics.run_started();
        }
        let mut span = Span::none();
        let result = if attempts > MAX_ATTEMPTS {
            Err(fail(
                "worker_crashed",
                format!("the run was interrupted {MAX_ATTEMPTS} times"),
            ))
        } else if job.cancel_requested {
            Err(fail("cancelled", "the run was cancelled".into()))
        } else {
            match serde_json::from_value::<Spec>(job.spec.clone()) {
                Err(error) => Err(RunFailure::internal("reading the stored spec", error)),
                Ok(spec) => {
                    // Everything the run logs carries its id; with traces on, the span
                    // continues the trace of the request that queued the run.
                    let ids = RunIds {
                        run: run_id,
                        team: team_id,
                        agent: job.agent_id,
                        version: job.agent_version,
                        attempt: attempts,
                    };
                    span = spans::run(&spec, &ids);
                    telemetry::context::continue_from(&span, job.traceparent.as_deref());
                    self.run(&job, &spec).instrument(span.clone()).await
                }
            }
        };
        let (status, output, reason, detail) = match &result {
            Ok(output) => (RunStatus::Succeeded, Some(output.clone()), None, None),
            Err(failure) if failure.reason == "cancelled" => (
                RunStatus::Cancelled,
                None,
                Some(failure.reason),
                Some(failure.detail.clone()),
            ),
            Err(failure) if failure.reason == "lease_lost" => return,
            Err(failure) => (
                RunStatus::Failed,
                None,
                Some(failure.reason),
                Some(failure.detail.clone()),
            ),
        };
        let ending = Ending {
            status,
            output: output.as_ref(),
            reason,
            detail: detail.as_deref(),
        };
        match store::finish(&self.db, team_id, run_id, Some(&self.id), &ending).await {
            Ok(Some(cost)) => {
                spans::run_ended(&span, status.as_str(), reason, cost);
                self.metrics
                    .run_finished(status.as_str(), reason, started.elapsed());
                self.bus.publish(
                    run_id,
                    RunEvent::Finished {
                        status,
                        output,
                        reason: reason.map(str::to_string),
                        detail,
                        cost,
                        duration_ms: started.elapsed().as_millis() as i64,
                    },
                );
            }
            Ok(None) => tracing::info!(run = %run_id, "run already ended elsewhere"),
            Err(error) => {
                tracing::error!(%error, run = %run_id, "could not record the run's end; it will be retried")
            }
        }
    }

    async fn run(&self, job: &RunJob, spec: &Spec) -> Result<Value, RunFailure> {
        let given: Map<String, Value> = job.input.as_object().cloned().unwrap_or_default();
        let inputs = check_inputs(spec, &given)
            .map_err(|problems| RunFailure::new("invalid_input", problems.join("; ")))?;
        let team = team_providers(&self.db, &self.engine, job.team_id)
            .await
            .map_err(|error| RunFailure::internal("loading the team's provider keys", error))?;
        let secrets = secrets_for(&self.db, &self.engine, job.team_id)
            .await
            .map_err(|error| RunFailure::internal("loading the team's secrets", error))?;
        let recorder = Arc::new(PgRecorder {
            db: self.db.clone(),
            metrics: self.metrics.clone(),
            bus: self.bus.clone(),
            team_id: job.team_id,
            run_id: job.id,
            agent_id: job.agent_id,
            api_key_id: job.api_key_id,
        });
        let cancel = CancelFlag::default();
        let mut ctx = self
            .engine
            .context(spec, job.plan, &team, secrets, recorder, cancel.clone());
        ctx.tools.knowledge = self
            .knowledge
            .as_ref()
            .map(|service| service.for_team(job.team_id));
        let resume = self
            .resume(job)
            .await
            .map_err(|error| RunFailure::internal("loading the earlier attempt's steps", error))?;
        self.bus.publish(
            job.id,
            RunEvent::Status {
                status: RunStatus::Running,
            },
        );
        let lease = tokio::spawn(keep_lease(
            self.db.clone(),
            job.id,
            job.team_id,
            self.id.clone(),
            self.engine.settings.lease,
            cancel.clone(),
        ));
        let result = async {
            let chat = match job.conversation_id {
                Some(conversation) => Some(
                    crate::conversations::history::prepare(
                        &self.db,
                        &ctx,
                        spec,
                        job.team_id,
                        conversation,
                        job.id,
                    )
                    .await?,
                ),
                None => None,
            };
            self.engine.execute(&ctx, spec, &inputs, chat, resume).await
        }
        .await;
        lease.abort();
        result
    }

    /// Picks up where an earlier attempt stopped: its steps, spend and conversation.
    async fn resume(&self, job: &RunJob) -> Result<Resume, sqlx::Error> {
        let steps = store::steps(&self.db, job.team_id, job.id).await?;
        let Some(last) = steps.last() else {
            return Ok(Resume::default());
        };
        let top_level: Vec<_> = steps.iter().filter(|s| s.node.is_none()).cloned().collect();
        let finished = steps
            .iter()
            .filter(|s| {
                s.kind == app::runs::StepKind::Node && s.status == app::runs::StepStatus::Ok
            })
            .filter_map(|s| {
                Some((
                    s.node.clone()?,
                    NodeResult {
                        output: s.detail["output"].clone(),
                        label: s.detail["label"].as_str().map(str::to_string),
                    },
                ))
            })
            .collect();
        Ok(Resume {
            next_seq: last.seq + 1,
            spent: job.cost,
            llm_calls: steps
                .iter()
                .filter(|s| s.kind == app::runs::StepKind::LlmCall)
                .count() as u32,
            tokens: job.tokens.max(0) as u64,
            history: replay(&top_level),
            finished,
        })
    }
}

/// The runs this worker is executing, by task.
#[derive(Default)]
struct InHand {
    tasks: JoinSet<()>,
    runs: HashMap<tokio::task::Id, (Uuid, Uuid)>,
}

impl InHand {
    fn start(
        &mut self,
        run_id: Uuid,
        team_id: Uuid,
        work: impl Future<Output = ()> + Send + 'static,
    ) {
        let task = self.tasks.spawn(work);
        self.runs.insert(task.id(), (run_id, team_id));
    }

    /// Forgets the runs that have ended.
    fn reap(&mut self) {
        while let Some(done) = self.tasks.try_join_next_with_id() {
            self.forget(done);
        }
    }

    fn forget(&mut self, done: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
        let id = match done {
            Ok((id, ())) => id,
            Err(error) => error.id(),
        };
        self.runs.remove(&id);
    }
}

/// Renews the lease while the run works, and turns a cancel request into the cancel
/// flag. If the lease is lost (another worker took the run over), stops this attempt.
async fn keep_lease(
    db: PgPool,
    run_id: Uuid,
    team_id: Uuid,
    worker: String,
    lease: Duration,
    cancel: CancelFlag,
) {
    let every = (lease / 3)
        .max(Duration::from_millis(200))
        .min(Duration::from_secs(1));
    loop {
        tokio::time::sleep(every).await;
        let renewed = super::renew_lease(&db, team_id, run_id, &worker, lease).await;
        match renewed {
            Ok(Some(cancel_requested)) => {
                if cancel_requested {
                    cancel.cancel();
                }
            }
            Ok(None) => {
                tracing::warn!(run = %run_id, "lease lost; stopping this attempt");
                cancel.cancel();
                return;
            }
            Err(error) => tracing::warn!(%error, run = %run_id, "could not renew the lease"),
        }
    }
}
