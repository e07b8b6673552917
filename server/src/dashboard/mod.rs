//! The dashboard: the roll-ups' rows for a team and range, shaped into what the page
//! shows (figures with their change, series per day, breakdowns, quota, gateway keys).

mod latency;
mod queries;
mod window;

use std::collections::HashMap;

use app::backend::{Actor, Dashboards};
use app::conversations::EndUserUsage;
use app::dashboard::{Dashboard, DashboardRange, Figures, ModelUsage, Quota, ReasonCount, Series};
use app::error::AppError;
use app::spec::MicroUsd;
use async_trait::async_trait;
use sqlx::PgPool;

use crate::db::tenant;
use crate::errors::ServerError;
use chrono::NaiveDate;
use queries::{OutcomeRow, UsageDay};
use window::Window;

/// How many provider/models a chart stacks before the rest become "Other".
const SERIES_SHOWN: usize = 5;
/// Signed end users on the dashboard; the API lists up to `END_USERS_LISTED`.
const END_USERS_SHOWN: i64 = 10;
pub const END_USERS_LISTED: i64 = 100;

pub struct DashboardService {
    db: PgPool,
}

impl DashboardService {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }
}

impl DashboardService {
    pub async fn dashboard(
        &self,
        actor: &Actor,
        range: DashboardRange,
    ) -> Result<Dashboard, ServerError> {
        let window = Window::of(range, chrono::Utc::now().date_naive())?;
        let period = crate::usage::current(&self.db, actor).await?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let rows = Rows {
            outcomes: queries::outcomes(&mut tx, &window).await?,
            latencies: queries::latencies(&mut tx, &window).await?,
            usage: queries::usage_days(&mut tx, &window).await?,
        };
        let agents = queries::top_agents(&mut tx, &window).await?;
        let recent_failures = queries::recent_failures(&mut tx, &window).await?;
        let keys = queries::gateway_keys(&mut tx, &window).await?;
        let end_users = queries::end_users(&mut tx, &window, END_USERS_SHOWN).await?;
        let has_activity = queries::has_activity(&mut tx).await?;
        tenant::done_reading(tx);
        let shaped = rows.shape(&window);
        Ok(Dashboard {
            range,
            days: window.days().iter().map(ToString::to_string).collect(),
            has_activity,
            current: shaped.current,
            previous: shaped.previous,
            failure_reasons: shaped.failure_reasons,
            runs_by_model: shaped.runs_by_model,
            cost_by_model: shaped.cost_by_model,
            outcomes: shaped.outcomes,
            models: shaped.models,
            agents,
            recent_failures,
            quota: Quota {
                plan: period.plan,
                resets_on: period.period_end,
                runs: period.runs,
                runs_limit: period.runs_limit,
                tokens: period.tokens,
                tokens_limit: period.tokens_limit,
            },
            keys,
            end_users,
        })
    }

    /// The signed end users of the team's embedded chats over the range, those who
    /// spent most first.
    pub async fn end_users(
        &self,
        actor: &Actor,
        range: DashboardRange,
    ) -> Result<Vec<EndUserUsage>, ServerError> {
        let window = Window::of(range, chrono::Utc::now().date_naive())?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let end_users = queries::end_users(&mut tx, &window, END_USERS_LISTED).await?;
        tenant::done_reading(tx);
        Ok(end_users)
    }
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl Dashboards for DashboardService {
    async fn dashboard(&self, actor: &Actor, range: DashboardRange) -> Result<Dashboard, AppError> {
        Ok(DashboardService::dashboard(self, actor, range).await?)
    }
}

/// The roll-up rows of the range and the period before it, to become figures and
/// series.
struct Rows {
    outcomes: Vec<OutcomeRow>,
    latencies: Vec<(NaiveDate, Vec<i64>)>,
    usage: Vec<UsageDay>,
}

struct Shaped {
    current: Figures,
    previous: Figures,
    failure_reasons: Vec<ReasonCount>,
    runs_by_model: Vec<Series>,
    cost_by_model: Vec<Series>,
    outcomes: Vec<Series>,
    models: Vec<ModelUsage>,
}

impl Rows {
    fn shape(self, window: &Window) -> Shaped {
        let days = window.days().len();
        let mut succeeded = vec![0; days];
        let mut failed = vec![0; days];
        // Per reason: failed runs in the range, and in the period before.
        let mut reasons: HashMap<&str, (i64, i64)> = HashMap::new();
        for row in &self.outcomes {
            let day = window.index(row.day);
            match (row.status.as_str(), day) {
                ("succeeded", Some(i)) => succeeded[i] += row.runs,
                ("failed", Some(i)) => {
                    failed[i] += row.runs;
                    reasons.entry(&row.reason).or_default().0 += row.runs;
                }
                ("failed", None) => reasons.entry(&row.reason).or_default().1 += row.runs,
                _ => {}
            }
        }
        let mut failure_reasons: Vec<ReasonCount> = reasons
            .into_iter()
            .filter(|(_, (runs, _))| *runs > 0)
            .map(|(reason, (runs, previous))| ReasonCount {
                reason: reason.to_string(),
                runs,
                previous,
            })
            .collect();
        failure_reasons.sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.reason.cmp(&b.reason)));

        let current_usage: Vec<&UsageDay> = self
            .usage
            .iter()
            .filter(|row| row.day >= window.from)
            .collect();
        let models = model_totals(&current_usage);
        let (runs_by_model, cost_by_model) = model_series(&current_usage, &models, window);
        Shaped {
            current: self.figures(|day| day >= window.from),
            previous: self.figures(|day| day < window.from),
            failure_reasons,
            runs_by_model,
            cost_by_model,
            outcomes: vec![
                Series {
                    label: "Succeeded".into(),
                    values: succeeded,
                },
                Series {
                    label: "Failed".into(),
                    values: failed,
                },
            ],
            models,
        }
    }

    /// The headline figures of the days `in_period` picks.
    fn figures(&self, in_period: impl Fn(NaiveDate) -> bool) -> Figures {
        let outcomes: Vec<&OutcomeRow> =
            self.outcomes.iter().filter(|r| in_period(r.day)).collect();
        let count = |status: &str| -> i64 {
            outcomes
                .iter()
                .filter(|r| r.status == status)
                .map(|r| r.runs)
                .sum()
        };
        let runs: i64 = outcomes.iter().map(|r| r.runs).sum();
        let latency_sum: i64 = outcomes.iter().map(|r| r.latency_ms_sum).sum();
        let mut buckets = [0i64; latency::BUCKETS];
        for (_, counts) in self.latencies.iter().filter(|(day, _)| in_period(*day)) {
            for (total, count) in buckets.iter_mut().zip(counts) {
                *total += count;
            }
        }
        let usage = self.usage.iter().filter(|r| in_period(r.day));
        let (mut tokens, mut cost, mut gateway_requests) = (0, 0, 0);
        for row in usage {
            tokens += row.tokens;
            cost += row.cost;
            gateway_requests += row.gateway_requests;
        }
        Figures {
            runs,
            succeeded: count("succeeded"),
            failed: count("failed"),
            cancelled: count("cancelled"),
            cost: MicroUsd(cost),
            tokens,
            gateway_requests,
            avg_latency_ms: (runs > 0).then(|| latency_sum / runs),
            p95_latency_ms: latency::quantile(&buckets, 0.95),
        }
    }
}

fn model_label(provider: &str, model: &str) -> String {
    if provider == "none" || provider.is_empty() {
        "no model call".into()
    } else {
        format!("{provider}/{model}")
    }
}

/// Each provider/model's share of the range, costliest first (then by runs).
fn model_totals(days: &[&UsageDay]) -> Vec<ModelUsage> {
    let mut totals: HashMap<String, ModelUsage> = HashMap::new();
    for row in days {
        let label = model_label(&row.provider, &row.model);
        let entry = totals.entry(label.clone()).or_insert(ModelUsage {
            label,
            runs: 0,
            tokens: 0,
            cost: MicroUsd::ZERO,
        });
        entry.runs += row.runs;
        entry.tokens += row.tokens;
        entry.cost = entry.cost.saturating_add(MicroUsd(row.cost));
    }
    let mut models: Vec<ModelUsage> = totals
        .into_values()
        .filter(|m| m.runs > 0 || m.tokens > 0 || m.cost.0 > 0)
        .collect();
    models.sort_by(|a, b| {
        b.cost
            .cmp(&a.cost)
            .then(b.runs.cmp(&a.runs))
            .then_with(|| a.label.cmp(&b.label))
    });
    models
}

/// Runs and cost per day, one series per provider/model in the order of `models`; past
/// the first few, the rest are summed as "Other".
fn model_series(
    days: &[&UsageDay],
    models: &[ModelUsage],
    window: &Window,
) -> (Vec<Series>, Vec<Series>) {
    // With more models than fit, the last place goes to "Other".
    let shown = if models.len() > SERIES_SHOWN {
        SERIES_SHOWN - 1
    } else {
        models.len()
    };
    let mut labels: Vec<String> = models[..shown].iter().map(|m| m.label.clone()).collect();
    if models.len() > shown {
        labels.push("Other".into());
    }
    let day_count = window.days().len();
    let empty = || -> Vec<Series> {
        labels
            .iter()
            .map(|label| Series {
                label: label.clone(),
                values: vec![0; day_count],
            })
            .collect()
    };
    let (mut runs, mut cost) = (empty(), empty());
    for row in days {
        let label = model_label(&row.provider, &row.model);
        // Not among the first: "Other" (last); rows of models with nothing have no place.
        let series = labels[..shown]
            .iter()
            .position(|l| *l == label)
            .unwrap_or(shown);
        let (Some(day), true) = (window.index(row.day), series < labels.len()) else {
            continue;
        };
        runs[series].values[day] += row.runs;
        cost[series].values[day] += row.cost;
    }
    (runs, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn usage(day: &str, model: &str, runs: i64, cost: i64) -> UsageDay {
        UsageDay {
            day: date(day),
            provider: "openai".into(),
            model: model.into(),
            runs,
            tokens: runs * 10,
            cost,
            gateway_requests: 0,
        }
    }

    #[test]
    fn models_past_the_fifth_are_other() {
        let window = Window::of(DashboardRange::Last(2), date("2026-11-22")).unwrap();
        let rows: Vec<UsageDay> = (0..7)
            .map(|i| usage("2026-11-22", &format!("m{i}"), 1, 100 - i))
            .chain([usage("2026-11-21", "m0", 2, 50)])
            .collect();
        let days: Vec<&UsageDay> = rows.iter().collect();
        let models = model_totals(&days);
        assert_eq!(models[0].label, "openai/m0");
        assert_eq!(models[0].runs, 3);
        let (runs, cost) = model_series(&days, &models, &window);
        assert_eq!(runs.len(), SERIES_SHOWN);
        assert_eq!(runs[0].values, vec![2, 1]);
        assert_eq!(runs.last().unwrap().label, "Other");
        assert_eq!(runs.last().unwrap().values, vec![0, 3]);
        let total: i64 = cost.iter().flat_map(|s| s.values.iter()).sum();
        assert_eq!(total, rows.iter().map(|d| d.cost).sum::<i64>());
    }

    #[test]
    fn the_range_and_the_period_before_are_apart() {
        let window = Window::of(DashboardRange::Last(2), date("2026-11-22")).unwrap();
        let outcome = |day: &str, status: &str, reason: &str, runs| OutcomeRow {
            day: date(day),
            status: status.into(),
            reason: reason.into(),
            runs,
            latency_ms_sum: runs * 200,
        };
        let mut counts = vec![0; latency::BUCKETS];
        counts[30] = 10;
        let rows = Rows {
            outcomes: vec![
                outcome("2026-11-22", "succeeded", "", 8),
                outcome("2026-11-21", "failed", "provider_error", 2),
                outcome("2026-11-20", "succeeded", "", 3),
            ],
            latencies: vec![(date("2026-11-22"), counts)],
            usage: vec![
                usage("2026-11-22", "m", 8, 40),
                usage("2026-11-19", "m", 3, 9),
            ],
        };
        let shaped = rows.shape(&window);
        let now = shaped.current;
        assert_eq!((now.runs, now.succeeded, now.failed), (10, 8, 2));
        assert_eq!(now.avg_latency_ms, Some(200));
        assert!(now.p95_latency_ms.is_some());
        assert_eq!(now.cost, MicroUsd(40));
        assert_eq!(shaped.previous.runs, 3);
        assert_eq!(shaped.previous.cost, MicroUsd(9));
        assert_eq!(shaped.previous.p95_latency_ms, None);
        assert_eq!(
            shaped.failure_reasons,
            vec![ReasonCount {
                reason: "provider_error".into(),
                runs: 2,
                previous: 0
            }]
        );
        assert_eq!(shaped.outcomes[1].values, vec![2, 0]);
    }
}
