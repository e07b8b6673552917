//! `/dashboard`: runs, success rate, failures, cost, latency, quota and gateway use for
//! the team over a range of days, from the roll-ups the runs and the gateway keep.

mod charts;
mod dashboard_page;
mod figures;
mod format;
mod server_fns;
mod tables;
mod types;

pub use dashboard_page::DashboardPage;
pub use server_fns::get_dashboard;
pub use types::*;

use crate::components::CARD;
