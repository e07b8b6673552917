//! One run's working state: what it may use, what it has spent, and where its steps and
//! events go. Shared by the agent loop and the workflow executor.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};

use app::billing::PlanTier;
use app::runs::{RunEvent, StepRecord};
use app::spec::MicroUsd;
use async_trait::async_trait;

use super::providers::ProviderSet;
use super::router::Router;
use super::tools::Toolbox;

#[derive(Debug, thiserror::Error)]
#[error("could not record the run's progress: {0}")]
pub struct RecordError(pub String);

/// Where a run's trace goes: the database for real runs, the terminal for the CLI,
/// nowhere for benchmarks.
#[async_trait]
pub trait Recorder: Send + Sync {
    /// Persists a finished step before the run goes on. Idempotent by `seq`, so a
    /// replayed write never counts usage twice.
    async fn step(&self, step: &StepRecord) -> Result<(), RecordError>;

    /// Publishes a live event; best effort (the steps are the record).
    fn event(&self, event: RunEvent);
}

/// A cooperative cancel flag, checked between steps and raced against provider calls.
#[derive(Clone, Default)]
pub struct CancelFlag(Arc<(AtomicBool, tokio::sync::Notify)>);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.0.store(true, Ordering::SeqCst);
        self.0.1.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.0.load(Ordering::SeqCst)
    }

    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.1.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

pub struct RunContext {
    pub plan: PlanTier,
    /// The providers the run may call, and the order to try them in.
    pub providers: ProviderSet,
    pub router: Arc<Router>,
    pub tools: Toolbox,
    pub recorder: Arc<dyn Recorder>,
    pub cancel: CancelFlag,
    /// The run-wide ceiling: the spec's cost limits, whichever is lowest.
    pub max_cost: Option<MicroUsd>,
    pub max_steps: Option<u32>,
    pub max_tokens: Option<u64>,
    next_seq: AtomicI32,
    spent: Mutex<MicroUsd>,
    llm_calls: AtomicU32,
    tokens: AtomicU64,
}

impl RunContext {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        plan: PlanTier,
        providers: ProviderSet,
        router: Arc<Router>,
        tools: Toolbox,
        recorder: Arc<dyn Recorder>,
        cancel: CancelFlag,
        limits: (Option<MicroUsd>, Option<u32>, Option<u64>),
    ) -> RunContext {
        RunContext {
            plan,
            providers,
            router,
            tools,
            recorder,
            cancel,
            max_cost: limits.0,
            max_steps: limits.1,
            max_tokens: limits.2,
            next_seq: AtomicI32::new(1),
            spent: Mutex::new(MicroUsd::ZERO),
            llm_calls: AtomicU32::new(0),
            tokens: AtomicU64::new(0),
        }
    }

    /// Continues counting from what a previous attempt at this run already recorded.
    pub fn resume_from(&self, next_seq: i32, spent: MicroUsd, llm_calls: u32, tokens: u64) {
        self.next_seq.store(next_seq, Ordering::SeqCst);
        *self.spent.lock().unwrap_or_else(|e| e.into_inner()) = spent;
        self.llm_calls.store(llm_calls, Ordering::SeqCst);
        self.tokens.store(tokens, Ordering::SeqCst);
    }

    pub fn next_seq(&self) -> i32 {
        self.next_seq.fetch_add(1, Ordering::SeqCst)
    }

    pub fn spent(&self) -> MicroUsd {
        *self.spent.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_usage(&self, cost: MicroUsd, tokens: u64) {
        let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        *spent = spent.saturating_add(cost);
        self.tokens.fetch_add(tokens, Ordering::SeqCst);
    }

    pub fn tokens(&self) -> u64 {
        self.tokens.load(Ordering::SeqCst)
    }

    /// Counts an LLM call against the run-wide step limit; false when it would exceed it.
    pub fn take_llm_call(&self) -> bool {
        let calls = self.llm_calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_steps.is_none_or(|max| calls <= max)
    }

    pub async fn record(&self, step: StepRecord) -> Result<(), RecordError> {
        self.recorder.step(&step).await?;
        self.recorder.event(RunEvent::Step { step });
        Ok(())
    }
}
