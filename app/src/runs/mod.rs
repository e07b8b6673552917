//! Runs as both sides see them: status, the recorded steps and the live events.

mod events;
mod steps;

pub use events::RunEvent;
pub use steps::{RunStatus, StepKind, StepRecord, StepStatus};
