//! What the dashboard shows, as both sides see it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::agents::Day;
use crate::error::AppError;
use crate::spec::MicroUsd;

/// Which days the dashboard covers (UTC, both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DashboardRange {
    /// The last N days, today included.
    Last(u32),
    Custom {
        from: Day,
        to: Day,
    },
}

impl DashboardRange {
    pub const PRESETS: [u32; 3] = [7, 30, 90];
    pub const DEFAULT: DashboardRange = DashboardRange::Last(30);
    /// The longest custom range: a year, so a page view stays a few small sums.
    pub const MAX_DAYS: u32 = 366;

    /// The range from the page's query (`?range=7`, or `?from=…&to=…`); nothing given
    /// means the last 30 days.
    pub fn parse(
        range: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<DashboardRange, AppError> {
        fn given(text: Option<&str>) -> Option<&str> {
            text.map(str::trim).filter(|t| !t.is_empty())
        }
        if let Some(range) = given(range)
            && range != "custom"
        {
            return range
                .parse::<u32>()
                .ok()
                .filter(|days| Self::PRESETS.contains(days))
                .map(DashboardRange::Last)
                .ok_or_else(|| AppError::invalid("range", "Choose 7, 30 or 90 days."));
        }
        match (given(from), given(to)) {
            (None, None) => Ok(Self::DEFAULT),
            (from, to) => {
                let day = |field: &str, text: Option<&str>| {
                    text.and_then(Day::parse)
                        .ok_or_else(|| AppError::invalid(field, "Use a date like 2026-11-22."))
                };
                let (from, to) = (day("from", from)?, day("to", to)?);
                if from > to {
                    return Err(AppError::invalid(
                        "to",
                        "The end date is before the start date.",
                    ));
                }
                Ok(DashboardRange::Custom { from, to })
            }
        }
    }

    /// The query string that selects this range (for links and the refresh).
    pub fn query(&self) -> String {
        match self {
            DashboardRange::Last(days) => format!("range={days}"),
            DashboardRange::Custom { from, to } => format!("range=custom&from={from}&to={to}"),
        }
    }
}

/// The headline figures of one period.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Figures {
    /// Runs that ended in the period (succeeded, failed or cancelled).
    pub runs: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub cost: MicroUsd,
    pub tokens: i64,
    pub gateway_requests: i64,
    pub avg_latency_ms: Option<i64>,
    /// Within 10 %: latencies are counted in buckets 1.2× apart.
    pub p95_latency_ms: Option<i64>,
}

impl Figures {
    /// Successes among the runs that succeeded or failed (a cancellation is the user's
    /// choice, not a failure); `None` before any such run.
    pub fn success_rate(&self) -> Option<f64> {
        let decided = self.succeeded + self.failed;
        (decided > 0).then(|| self.succeeded as f64 / decided as f64)
    }
}

/// Failed runs with one reason, in the range and in the period before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub runs: i64,
    pub previous: i64,
}

/// One line of a chart: a value per day of the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    pub values: Vec<i64>,
}

/// A provider/model's share of the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelUsage {
    /// `provider/model`, or "no model call" for runs that ended before one.
    pub label: String,
    pub runs: i64,
    pub tokens: i64,
    pub cost: MicroUsd,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentUsage {
    pub id: Uuid,
    pub name: String,
    pub runs: i64,
    pub failed: i64,
    pub cost: MicroUsd,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedRun {
    pub id: Uuid,
    pub agent_name: String,
    pub reason: String,
    pub when: String,
}

/// The gateway's use by one API key in the range, and what is left of its monthly budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyUsage {
    pub name: String,
    pub prefix: String,
    pub requests: i64,
    pub tokens: i64,
    pub cost: MicroUsd,
    pub budget: Option<MicroUsd>,
    pub spent_this_month: MicroUsd,
    /// Calls the response cache answered, and what they would have cost.
    pub cache_hits: i64,
    pub cost_saved: MicroUsd,
}

/// The billing period's runs and tokens against the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    pub plan: String,
    /// The first day of the next period (UTC).
    pub resets_on: String,
    pub runs: i64,
    pub runs_limit: i64,
    pub tokens: i64,
    pub tokens_limit: i64,
}

/// Everything on the dashboard for one team and range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub range: DashboardRange,
    /// The days of the range, `YYYY-MM-DD`, oldest first; every series has one value
    /// per day.
    pub days: Vec<String>,
    /// Whether the team has ever run an agent or called the gateway (else the page
    /// shows how to start).
    pub has_activity: bool,
    pub current: Figures,
    /// The same number of days just before the range, for the changes.
    pub previous: Figures,
    /// Failed runs per reason in the range, most frequent first.
    pub failure_reasons: Vec<ReasonCount>,
    pub runs_by_model: Vec<Series>,
    pub cost_by_model: Vec<Series>,
    /// "Succeeded" and "Failed" per day.
    pub outcomes: Vec<Series>,
    pub models: Vec<ModelUsage>,
    /// The agents with the most runs in the range (at most ten).
    pub agents: Vec<AgentUsage>,
    pub recent_failures: Vec<FailedRun>,
    pub quota: Quota,
    pub keys: Vec<KeyUsage>,
    /// The signed end users of embedded chats who spent most in the range (at most ten).
    pub end_users: Vec<crate::conversations::EndUserUsage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_come_from_the_query() {
        assert_eq!(
            DashboardRange::parse(None, None, None).unwrap(),
            DashboardRange::DEFAULT
        );
        assert_eq!(
            DashboardRange::parse(Some("7"), None, None).unwrap(),
            DashboardRange::Last(7)
        );
        assert!(DashboardRange::parse(Some("8"), None, None).is_err());
        let custom =
            DashboardRange::parse(Some("custom"), Some("2026-11-01"), Some("2026-11-15")).unwrap();
        assert_eq!(custom.query(), "range=custom&from=2026-11-01&to=2026-11-15");
        assert_eq!(
            DashboardRange::parse(Some("custom"), Some("2026-11-15"), Some("2026-11-01"))
                .unwrap_err()
                .to_string(),
            "The end date is before the start date."
        );
        assert!(DashboardRange::parse(None, Some("2026-11-01"), None).is_err());
        assert!(DashboardRange::parse(None, Some("yesterday"), Some("2026-11-01")).is_err());
    }

    #[test]
    fn success_rate_leaves_cancellations_out() {
        let figures = Figures {
            runs: 5,
            succeeded: 3,
            failed: 1,
            cancelled: 1,
            ..Figures::default()
        };
        assert_eq!(figures.success_rate(), Some(0.75));
        assert_eq!(Figures::default().success_rate(), None);
    }
}
