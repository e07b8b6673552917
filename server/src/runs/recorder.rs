//! The engine's recorder for real runs: steps go to Postgres (with their usage), events
//! to the event bus.

use std::sync::Arc;
use std::time::Duration;

use app::runs::{RunEvent, StepKind, StepRecord, StepStatus};
use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

use super::event_bus::EventBus;
use super::store;
use crate::engine::{RecordError, Recorder};
use crate::metrics::{LlmCallRecord, Metrics};

pub struct PgRecorder {
    pub db: PgPool,
    /// LLM calls are counted from the steps that record them.
    pub metrics: Arc<Metrics>,
    pub bus: EventBus,
    pub team_id: Uuid,
    pub run_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
}

#[async_trait]
impl Recorder for PgRecorder {
    async fn step(&self, step: &StepRecord) -> Result<(), RecordError> {
        // A brief database outage should not lose the run: retry a few times (the
        // write is idempotent by seq) before giving up to the lease-based reclaim.
        let mut wait = Duration::from_millis(200);
        for attempt in 0..5 {
            match store::insert_step(
                &self.db,
                self.team_id,
                self.run_id,
                self.agent_id,
                self.api_key_id,
                step,
            )
            .await
            {
                Ok(()) => {
                    self.count(step);
                    return Ok(());
                }
                Err(error) if attempt == 4 => return Err(RecordError(error.to_string())),
                Err(error) => {
                    tracing::warn!(%error, run = %self.run_id, "step not recorded yet; retrying")
                }
            }
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
        Ok(())
    }

    fn event(&self, event: RunEvent) {
        self.bus.publish(self.run_id, event);
    }
}

impl PgRecorder {
    /// An LLM call's step, once recorded, counted for the operator (a step is written once,
    /// so a resumed run does not count its earlier calls again).
    fn count(&self, step: &StepRecord) {
        if step.kind != StepKind::LlmCall {
            return;
        }
        self.metrics.llm_call(&LlmCallRecord {
            source: "run",
            provider: step.provider.as_deref().unwrap_or("unknown"),
            model: step.model.as_deref().unwrap_or("unknown"),
            ok: step.status == StepStatus::Ok,
            latency: Duration::from_millis(u64::try_from(step.latency_ms).unwrap_or(0)),
            prompt_tokens: u64::try_from(step.prompt_tokens).unwrap_or(0),
            completion_tokens: u64::try_from(step.completion_tokens).unwrap_or(0),
            cost_micro_usd: u64::try_from(step.cost.0).unwrap_or(0),
        });
    }
}
