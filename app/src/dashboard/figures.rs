//! The headline figures with their change against the previous period, the failures by
//! reason, and the quota bars.

use leptos::prelude::*;

use super::format::{count, latency, percent};
use super::{CARD, Figures, Quota, ReasonCount};

/// Whether a fall is good news (latency), or a change is neither good nor bad.
#[derive(Clone, Copy)]
enum Better {
    Lower,
    Neither,
}

#[component]
pub fn Headline(current: Figures, previous: Figures, days: usize) -> impl IntoView {
    let against = format!("vs the {days} days before");
    // The change of a figure read from both periods (None where a period has none).
    let change = |figure: fn(&Figures) -> Option<i64>, better: Better| {
        let as_f64 = |f: &Figures| figure(f).map(|v| v as f64);
        change_text(as_f64(&current), as_f64(&previous), better, &against)
    };
    let rate = |f: &Figures| f.success_rate();
    let tiles = [
        (
            "Runs",
            count(current.runs),
            change(|f| Some(f.runs), Better::Neither),
        ),
        (
            "Success rate",
            rate(&current).map_or("—".into(), percent),
            points(rate(&current), rate(&previous), &against),
        ),
        (
            "Cost",
            current.cost.to_string(),
            change(|f| Some(f.cost.0), Better::Neither),
        ),
        (
            "Tokens",
            count(current.tokens),
            change(|f| Some(f.tokens), Better::Neither),
        ),
        (
            "Average latency",
            current.avg_latency_ms.map_or("—".into(), latency),
            change(|f| f.avg_latency_ms, Better::Lower),
        ),
        (
            "p95 latency",
            current
                .p95_latency_ms
                .map_or("—".into(), |ms| format!("≈ {}", latency(ms))),
            change(|f| f.p95_latency_ms, Better::Lower),
        ),
    ];
    view! {
        <dl class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="headline">
            {tiles.into_iter().map(|(label, value, (text, tone))| view! {
                <div class=CARD data-figure=label>
                    <dt class="text-xs font-medium text-slate-500">{label}</dt>
                    <dd class="mt-1 text-xl font-semibold tabular-nums" data-value="">{value}</dd>
                    <dd class=format!("mt-1 text-xs {tone}")>{text}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}

const GOOD: &str = "text-emerald-700 dark:text-emerald-400";
const BAD: &str = "text-rose-700 dark:text-rose-400";
const QUIET: &str = "text-slate-500";

/// "▲ 12 % vs …", coloured by whether the change is welcome.
fn change_text(
    now: Option<f64>,
    before: Option<f64>,
    better: Better,
    against: &str,
) -> (String, &'static str) {
    let (Some(now), Some(before)) = (now, before) else {
        return (format!("no figure {against}"), QUIET);
    };
    if before == 0.0 {
        let text = if now == 0.0 { "no change" } else { "new" };
        return (format!("{text} {against}"), QUIET);
    }
    let change = (now - before) / before;
    if change.abs() < 0.005 {
        return (format!("no change {against}"), QUIET);
    }
    let arrow = if change > 0.0 { "▲" } else { "▼" };
    let tone = match (better, change > 0.0) {
        (Better::Neither, _) => QUIET,
        (Better::Lower, false) => GOOD,
        (Better::Lower, true) => BAD,
    };
    (format!("{arrow} {} {against}", percent(change.abs())), tone)
}

/// A rate's change in percentage points.
fn points(now: Option<f64>, before: Option<f64>, against: &str) -> (String, &'static str) {
    match (now, before) {
        (Some(now), Some(before)) => {
            let delta = (now - before) * 100.0;
            if delta.abs() < 0.05 {
                (format!("no change {against}"), QUIET)
            } else {
                let arrow = if delta > 0.0 { "▲" } else { "▼" };
                let tone = if delta > 0.0 { GOOD } else { BAD };
                (format!("{arrow} {:.1} pts {against}", delta.abs()), tone)
            }
        }
        _ => (format!("no figure {against}"), QUIET),
    }
}

#[component]
pub fn FailureReasons(reasons: Vec<ReasonCount>, failed: i64, days: usize) -> impl IntoView {
    let against = format!("vs the {days} days before");
    let body = if reasons.is_empty() {
        view! { <p class="mt-3 text-sm text-slate-500">"No failed runs in this range."</p> }
            .into_any()
    } else {
        let most = reasons.first().map_or(1, |r| r.runs.max(1));
        view! {
            <ul class="mt-3 space-y-2 text-sm" data-testid="failure-reasons">
                {reasons.into_iter().map(|r| {
                    let key = r.reason.clone();
                    let (change, tone) = change_text(Some(r.runs as f64), Some(r.previous as f64), Better::Lower, &against);
                    view! {
                    <li data-reason=key data-runs=r.runs>
                        <div class="flex justify-between gap-2">
                            <span class="font-mono text-xs">{r.reason}</span>
                            <span class="tabular-nums">{count(r.runs)}</span>
                        </div>
                        <Bar fraction=r.runs as f64 / most as f64 fill="fill-rose-500" />
                        <p class=format!("text-xs {tone}")>{change}</p>
                    </li>
                }}).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class=CARD aria-labelledby="failures-title">
            <h2 id="failures-title" class="flex justify-between font-medium">
                "Failures by reason" <span class="text-sm font-normal text-slate-500">{count(failed)}</span>
            </h2>
            {body}
        </section>
    }
}

/// A thin horizontal bar for a share (0..=1).
#[component]
pub fn Bar(fraction: f64, fill: &'static str) -> impl IntoView {
    let width = (fraction.clamp(0.0, 1.0) * 100.0).max(0.5);
    view! {
        <svg viewBox="0 0 100 4" preserveAspectRatio="none" class="mt-1 h-1.5 w-full" aria-hidden="true">
            <rect width="100" height="4" rx="2" class="fill-slate-100 dark:fill-slate-800" />
            <rect width=format!("{width:.2}") height="4" rx="2" class=fill />
        </svg>
    }
}

/// Runs and tokens of this billing period against the plan, warning from 80 %.
#[component]
pub fn QuotaBars(quota: Quota) -> impl IntoView {
    let meters = [
        ("Runs", quota.runs, quota.runs_limit),
        ("Tokens", quota.tokens, quota.tokens_limit),
    ];
    view! {
        <section class=CARD aria-labelledby="quota-title" data-testid="quota">
            <h2 id="quota-title" class="flex flex-wrap justify-between gap-2 font-medium">
                "This billing period"
                <span class="text-sm font-normal text-slate-500">
                    {format!("{} plan · resets on {}", capitalise(&quota.plan), quota.resets_on)}
                </span>
            </h2>
            <div class="mt-3 space-y-4">
                {meters.into_iter().map(|(label, used, limit)| {
                    let fraction = if limit > 0 { used as f64 / limit as f64 } else { 0.0 };
                    let (fill, note) = if fraction >= 1.0 {
                        ("fill-rose-500", Some(format!("{label} limit reached: new runs are refused until {}.", quota.resets_on)))
                    } else if fraction >= 0.8 {
                        ("fill-amber-500", Some(format!("{} of {} used: the limit is near.", percent(fraction), label.to_lowercase())))
                    } else {
                        ("fill-indigo-500", None)
                    };
                    view! {
                        <div data-quota=label.to_lowercase()>
                            <div class="flex justify-between gap-2 text-sm">
                                <span>{label}</span>
                                <span class="tabular-nums">{format!("{} of {}", count(used), count(limit))}</span>
                            </div>
                            <div role="progressbar" aria-label=format!("{label} used this period")
                                aria-valuemin="0" aria-valuemax=limit.to_string() aria-valuenow=used.min(limit).to_string()>
                                <Bar fraction fill />
                            </div>
                            {note.map(|note| view! {
                                <p role="status" class="mt-1 text-xs text-amber-700 dark:text-amber-400">{note}</p>
                            })}
                        </div>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_say_which_way_and_whether_it_is_good() {
        let against = "vs before";
        assert_eq!(
            change_text(Some(120.0), Some(100.0), Better::Lower, against),
            ("▲ 20 % vs before".to_string(), BAD)
        );
        assert_eq!(
            change_text(Some(80.0), Some(100.0), Better::Lower, against).1,
            GOOD
        );
        assert_eq!(
            change_text(Some(5.0), Some(0.0), Better::Neither, against).0,
            "new vs before"
        );
        assert_eq!(
            points(Some(0.9), Some(0.95), against),
            ("▼ 5.0 pts vs before".to_string(), BAD)
        );
    }
}
