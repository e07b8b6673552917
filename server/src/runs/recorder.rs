//! The engine's recorder for real runs: steps go to Postgres (with their usage), events
//! to the event bus.

use app::runs::{RunEvent, StepRecord};
use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

use super::event_bus::EventBus;
use super::store;
use crate::engine::{RecordError, Recorder};

pub struct PgRecorder {
    pub db: PgPool,
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
        let mut wait = std::time::Duration::from_millis(200);
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
                Ok(()) => return Ok(()),
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
