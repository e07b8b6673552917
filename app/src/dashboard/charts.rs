//! Charts drawn as SVG here, nothing external: stacked bars per day with a legend. The
//! bars stretch to the card's width; labels and tooltips are HTML around the SVG so they
//! stay readable at any width, and the tooltips are CSS-only (hover, or tap on a phone),
//! so they work before hydration and without JavaScript. Each chart can also be read as
//! a table.

use leptos::prelude::*;

use super::Series;
use super::format::{count, short_day};
use crate::spec::MicroUsd;

/// Fill and swatch classes per series, in order (spelled out for Tailwind's scanner).
const FILLS: [&str; 5] = [
    "fill-indigo-500",
    "fill-sky-400",
    "fill-emerald-500",
    "fill-amber-400",
    "fill-fuchsia-400",
];
const SWATCHES: [&str; 5] = [
    "bg-indigo-500",
    "bg-sky-400",
    "bg-emerald-500",
    "bg-amber-400",
    "bg-fuchsia-400",
];
/// "Other", and the colours of successes and failures.
const OTHER: (&str, &str) = ("fill-slate-400", "bg-slate-400");
const OUTCOME: [(&str, &str); 2] = [
    ("fill-emerald-500", "bg-emerald-500"),
    ("fill-rose-500", "bg-rose-500"),
];

/// What a chart's values count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Runs,
    Usd,
}

impl Unit {
    fn format(self, value: i64) -> String {
        match self {
            Unit::Runs => count(value),
            Unit::Usd => MicroUsd(value).to_string(),
        }
    }
}

/// How a chart colours its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Palette {
    /// Models, in order, with "Other" grey.
    Models,
    /// Succeeded green, failed red.
    Outcomes,
}

impl Palette {
    fn colour(self, index: usize, label: &str) -> (&'static str, &'static str) {
        match self {
            Palette::Outcomes => OUTCOME[index.min(1)],
            Palette::Models if label == "Other" => OTHER,
            Palette::Models => (FILLS[index % FILLS.len()], SWATCHES[index % SWATCHES.len()]),
        }
    }
}

/// Width of one day in the SVG's own units; bars leave a gap of a fifth.
const SLOT: f64 = 10.0;
const HEIGHT: f64 = 100.0;

#[component]
pub fn StackedBars(
    title: &'static str,
    days: Vec<String>,
    series: Vec<Series>,
    unit: Unit,
    palette: Palette,
    /// Shown instead of the bars when every value is zero.
    empty: &'static str,
) -> impl IntoView {
    let totals: Vec<i64> = (0..days.len())
        .map(|day| series.iter().map(|s| s.values[day]).sum())
        .collect();
    let peak = totals.iter().copied().max().unwrap_or(0);
    let id = title.to_lowercase().replace(' ', "-");
    if peak == 0 {
        return view! {
            <figure class=super::CARD data-chart=id>
                <figcaption class="font-medium">{title}</figcaption>
                <p class="mt-6 mb-4 text-center text-sm text-slate-500">{empty}</p>
            </figure>
        }
        .into_any();
    }
    let width = SLOT * days.len() as f64;
    let colours: Vec<(&str, &str)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| palette.colour(i, &s.label))
        .collect();
    let sum: i64 = totals.iter().sum();
    let summary = format!(
        "{title}: {} in all over {} days, at most {} on a day.",
        unit.format(sum),
        days.len(),
        unit.format(peak)
    );
    let bars = days
        .iter()
        .enumerate()
        .flat_map(|(day, _)| {
            let mut top = HEIGHT;
            series
                .iter()
                .zip(&colours)
                .filter(|(s, _)| s.values[day] > 0)
                .map(|(s, (fill, _))| {
                    let height = s.values[day] as f64 / peak as f64 * HEIGHT;
                    top -= height;
                    view! {
                        <rect x=format!("{:.2}", day as f64 * SLOT + 1.0) y=format!("{top:.3}")
                            width=format!("{:.2}", SLOT - 2.0) height=format!("{height:.3}") class=*fill />
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect_view();
    let columns = days
        .iter()
        .enumerate()
        .map(|(day, date)| {
            // Tooltips open towards the middle so they stay inside the card.
            let side = if day * 2 < days.len() { "left-0" } else { "right-0" };
            let lines = series
                .iter()
                .zip(&colours)
                .filter(|(s, _)| s.values[day] > 0)
                .map(|(s, (_, swatch))| view! {
                    <li class="flex items-center gap-1.5">
                        <span class=format!("inline-block h-2 w-2 rounded-sm {swatch}")></span>
                        {format!("{}: {}", s.label, unit.format(s.values[day]))}
                    </li>
                })
                .collect_view();
            view! {
                <div class="group relative h-full flex-1 hover:bg-slate-900/5 dark:hover:bg-white/5">
                    <div class=format!("pointer-events-none absolute bottom-full z-10 mb-1 hidden w-max max-w-[16rem] rounded-md bg-slate-900 px-2 py-1.5 text-xs text-white shadow-lg group-hover:block {side}")>
                        <p class="font-medium">{format!("{} · {}", short_day(date), unit.format(totals[day]))}</p>
                        <ul>{lines}</ul>
                    </div>
                </div>
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .zip(&colours)
        .map(|(s, (_, swatch))| {
            let total: i64 = s.values.iter().sum();
            view! {
                <li class="flex items-center gap-1.5">
                    <span class=format!("inline-block h-2.5 w-2.5 rounded-sm {swatch}")></span>
                    <span class="break-all">{s.label.clone()}</span>
                    <span class="text-slate-500">{unit.format(total)}</span>
                </li>
            }
        })
        .collect_view();
    let first = days.first().map(|d| short_day(d)).unwrap_or_default();
    let last = days.last().map(|d| short_day(d)).unwrap_or_default();
    view! {
        <figure class=super::CARD data-chart=id>
            <figcaption class="flex items-baseline justify-between gap-2">
                <span class="font-medium">{title}</span>
                <span class="text-xs text-slate-500">{format!("peak {}", unit.format(peak))}</span>
            </figcaption>
            <div class="relative mt-3 h-36 border-b border-slate-200 dark:border-slate-700">
                <svg viewBox=format!("0 0 {width} {HEIGHT}") preserveAspectRatio="none" class="h-full w-full"
                    role="img" aria-label=summary>
                    <line x1="0" x2=width.to_string() y1="0.5" y2="0.5" vector-effect="non-scaling-stroke"
                        class="stroke-slate-200 dark:stroke-slate-700" stroke-dasharray="3 3" />
                    <line x1="0" x2=width.to_string() y1="50" y2="50" vector-effect="non-scaling-stroke"
                        class="stroke-slate-200 dark:stroke-slate-700" stroke-dasharray="3 3" />
                    {bars}
                </svg>
                <div class="absolute inset-0 flex" aria-hidden="true">{columns}</div>
            </div>
            <div class="mt-1 flex justify-between text-xs text-slate-500" aria-hidden="true">
                <span>{first}</span><span>{last}</span>
            </div>
            <ul class="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs">{legend}</ul>
            <ChartTable days series unit />
        </figure>
    }
    .into_any()
}

/// The chart's numbers as a table, folded away: for screen readers, keyboards and
/// anyone who wants the exact figures.
#[component]
fn ChartTable(days: Vec<String>, series: Vec<Series>, unit: Unit) -> impl IntoView {
    let head = series
        .iter()
        .map(|s| view! { <th scope="col" class="px-2 py-1 text-right font-medium">{s.label.clone()}</th> })
        .collect_view();
    let rows = days
        .iter()
        .enumerate()
        .rev()
        .filter(|(day, _)| series.iter().any(|s| s.values[*day] != 0))
        .map(|(day, date)| {
            let cells = series
                .iter()
                .map(|s| view! { <td class="px-2 py-1 text-right tabular-nums">{unit.format(s.values[day])}</td> })
                .collect_view();
            view! { <tr class="border-t border-slate-100 dark:border-slate-800"><th scope="row" class="px-2 py-1 text-left font-normal">{date.clone()}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <details class="mt-2 text-xs">
            <summary class="cursor-pointer text-slate-500 hover:text-slate-700 dark:hover:text-slate-300">"Show as table"</summary>
            <div class="mt-2 max-h-64 overflow-auto">
                <table class="w-full">
                    <thead><tr><th scope="col" class="px-2 py-1 text-left font-medium">"Day"</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}
