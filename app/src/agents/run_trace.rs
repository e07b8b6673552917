//! A run's step timeline: routing decisions, model calls, tool calls and checks.

use leptos::prelude::*;
use serde_json::Value;

use crate::runs::{StepKind, StepRecord, StepStatus};

#[component]
pub fn RunTrace(steps: Signal<Vec<StepRecord>>) -> impl IntoView {
    view! {
        <ol class="space-y-2" data-testid="steps" aria-label="Steps">
            <For each=move || steps.get() key=|step| step.seq let:step>
                <StepItem step />
            </For>
        </ol>
    }
}

#[component]
fn StepItem(step: StepRecord) -> impl IntoView {
    let failed = step.status == StepStatus::Error;
    let border = if failed {
        "border-rose-300 dark:border-rose-800"
    } else {
        "border-slate-200 dark:border-slate-800"
    };
    let indent = if step.parent.is_some() { "ml-6" } else { "" };
    let (title, facts) = describe(&step);
    view! {
        <li class=format!("rounded-md border bg-white px-3 py-2 text-sm dark:bg-slate-900 {border} {indent}") data-kind=step.kind.as_str()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <span class="font-medium">{title}</span>
                <span class="text-xs text-slate-500">{facts}</span>
            </div>
            {detail(&step)}
        </li>
    }
}

fn describe(step: &StepRecord) -> (String, String) {
    let node = step
        .node
        .as_deref()
        .map(|n| format!(" · {n}"))
        .unwrap_or_default();
    match step.kind {
        StepKind::Route => {
            let chosen = &step.detail["chosen"];
            let title = if chosen.is_null() {
                "Routing: no model available".to_string()
            } else {
                format!(
                    "Route → {}/{}",
                    chosen["provider"].as_str().unwrap_or("?"),
                    chosen["model"].as_str().unwrap_or("?")
                )
            };
            let attempts = step.detail["attempts"].as_array().map_or(0, Vec::len);
            (format!("{title}{node}"), format!("{attempts} attempt(s)"))
        }
        StepKind::LlmCall => (
            format!("Model call{node}"),
            format!(
                "{} · {} in / {} out tokens · {} · {} ms",
                step.model.as_deref().unwrap_or("?"),
                step.prompt_tokens,
                step.completion_tokens,
                step.cost,
                step.latency_ms
            ),
        ),
        StepKind::ToolCall => (
            format!("Tool {}{node}", step.detail["tool"].as_str().unwrap_or("?")),
            format!("{} ms", step.latency_ms),
        ),
        StepKind::Invariant => (
            format!("Checks{node}"),
            if step.status == StepStatus::Ok {
                "passed".into()
            } else {
                "broken".into()
            },
        ),
        StepKind::Node => (
            format!("Node {}", step.node.as_deref().unwrap_or("?")),
            format!("{} ms", step.latency_ms),
        ),
    }
}

fn detail(step: &StepRecord) -> impl IntoView + use<> {
    let text = match step.kind {
        StepKind::ToolCall => format!(
            "input {}\n→ {}{}",
            step.detail["input"],
            step.detail["output"].as_str().unwrap_or_default(),
            retrieved(&step.detail["citations"])
        ),
        StepKind::Invariant => step.detail["checks"]
            .as_array()
            .map(|checks| checks.iter().map(check_line).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default(),
        StepKind::Route => step.detail["skipped"]
            .as_array()
            .map(|skipped| {
                skipped
                    .iter()
                    .map(|s| {
                        format!(
                            "skipped {}: {}",
                            s["provider"].as_str().unwrap_or("?"),
                            s["reason"].as_str().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        StepKind::Node if step.status == StepStatus::Error => step.detail["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    (!text.is_empty()).then(|| view! { <pre class="mt-1 overflow-x-auto whitespace-pre-wrap break-words text-xs text-slate-600 dark:text-slate-400">{text}</pre> })
}

/// A knowledge search's passages, one a line: where each came from and why it ranked.
fn retrieved(citations: &Value) -> String {
    let Some(citations) = citations.as_array().filter(|c| !c.is_empty()) else {
        return String::new();
    };
    let lines: Vec<String> = citations
        .iter()
        .map(|c| {
            let by = |key: &str, what: &str| c[key].as_u64().map(|rank| format!("{what} #{rank}"));
            let why: Vec<String> = [by("semantic_rank", "meaning"), by("lexical_rank", "words")]
                .into_iter()
                .flatten()
                .collect();
            format!(
                "[{}] {}, passage {} · score {:.4} ({})",
                c["n"],
                c["document"].as_str().unwrap_or("?"),
                c["position"].as_i64().unwrap_or_default() + 1,
                c["score"].as_f64().unwrap_or_default(),
                why.join(", ")
            )
        })
        .collect();
    format!("\n\nRetrieved:\n{}", lines.join("\n"))
}

fn check_line(check: &Value) -> String {
    let mark = if check["passed"].as_bool() == Some(true) {
        "✓"
    } else {
        "✗"
    };
    let what = check["phrase"]
        .as_str()
        .or(check["path"].as_str())
        .or(check["message"].as_str())
        .unwrap_or("");
    format!("{mark} {} {what}", check["rule"].as_str().unwrap_or("?"))
}
