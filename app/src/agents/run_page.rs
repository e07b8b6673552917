//! `/runs/:id`: one run, live while it runs and exactly as recorded afterwards.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::live;
use super::run_sources::RunSources;
use super::run_trace::RunTrace;
use super::workflow_graph::WorkflowGraph;
use super::{CancelRun, RunDetail, get_run};
use crate::components::PageHeader;
use crate::routes::use_id_param;
use crate::runs::{RunEvent, RunStatus, StepRecord};
use crate::spec::MicroUsd;

#[component]
pub fn RunPage() -> impl IntoView {
    let run_id = use_id_param();
    let run = Resource::new(run_id, |id| async move {
        match id {
            Some(id) => get_run(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the run…"</p> }>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(run) => view! {
                        <PageHeader title=format!("Run of {}", run.agent_name) subtitle=format!("Started {}", run.created) />
                        // A finished run is plain HTML; one still going is an island that
                        // follows it.
                        {if run.status.is_final() {
                            view! { <RunView run /> }.into_any()
                        } else {
                            view! { <LiveRun run /> }.into_any()
                        }}
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The run's state as it changes: seeded from the record, advanced by live events.
#[derive(Clone, Copy)]
struct Live {
    status: RwSignal<RunStatus>,
    text: RwSignal<String>,
    steps: RwSignal<Vec<StepRecord>>,
    output: RwSignal<Option<serde_json::Value>>,
    failure: RwSignal<Option<(String, String)>>,
    cost: RwSignal<MicroUsd>,
    duration_ms: RwSignal<Option<i64>>,
    /// Workflow nodes started and not yet recorded as finished.
    active: RwSignal<Vec<String>>,
}

impl Live {
    fn apply(self, event: RunEvent) {
        match event {
            RunEvent::Status { status } => self.status.set(status),
            RunEvent::Token { text, .. } => self.text.update(|t| t.push_str(&text)),
            RunEvent::TextReset { .. } | RunEvent::NodeStarted { .. } => {
                self.text.set(String::new())
            }
            RunEvent::Step { step } => self.steps.update(|steps| {
                if !steps.iter().any(|s| s.seq == step.seq) {
                    steps.push(step);
                    steps.sort_by_key(|s| s.seq);
                }
            }),
            RunEvent::Finished {
                status,
                output,
                reason,
                detail,
                cost,
                duration_ms,
            } => {
                self.status.set(status);
                self.output.set(output);
                self.failure
                    .set(reason.map(|r| (r, detail.unwrap_or_default())));
                self.cost.set(cost);
                self.duration_ms.set(Some(duration_ms));
            }
        }
    }
}

/// A run still going, as an island (its code fetched when the page is opened): it
/// follows the run's events and can cancel it.
#[island(lazy)]
fn LiveRun(run: RunDetail) -> impl IntoView {
    view! { <RunView run /> }
}

/// The run: its status, answer, graph and steps, live while it runs (in [`LiveRun`]).
#[component]
fn RunView(run: RunDetail) -> impl IntoView {
    let live = Live {
        status: RwSignal::new(run.status),
        text: RwSignal::new(String::new()),
        steps: RwSignal::new(run.steps.clone()),
        output: RwSignal::new(run.output.clone()),
        failure: RwSignal::new(
            run.failure_reason
                .clone()
                .map(|r| (r, run.failure_detail.clone().unwrap_or_default())),
        ),
        cost: RwSignal::new(run.cost),
        duration_ms: RwSignal::new(run.duration_ms),
        active: RwSignal::new(Vec::new()),
    };
    if !run.status.is_final() {
        let id = run.id;
        Effect::new(move |_| live::follow(&live::events_of(id), move |event| live.apply(event)));
    }
    let running = move || !live.status.get().is_final();
    let back = run.agent_id.map(|id| format!("/agents/{id}"));
    let conversation = run
        .agent_id
        .zip(run.conversation_id)
        .map(|(agent, conversation)| format!("/agents/{agent}/chat/{conversation}"));
    let output_text = move || {
        live.output.get().map(|output| match output {
            serde_json::Value::String(text) => text,
            other => serde_json::to_string_pretty(&other).unwrap_or_default(),
        })
    };
    view! {
        <div class="mb-4 flex flex-wrap items-center gap-3 text-sm">
            <span data-testid="run-status" class="rounded-full bg-slate-100 px-2.5 py-0.5 font-medium dark:bg-slate-800">{move || live.status.get().as_str()}</span>
            <span data-testid="run-cost">{move || live.cost.get().to_string()}</span>
            <span>{move || live.duration_ms.get().map(|ms| format!("{:.1} s", ms as f64 / 1000.0))}</span>
            {back.map(|href| view! { <a href=href class="text-indigo-600 hover:underline dark:text-indigo-400">"Back to the agent"</a> })}
            {conversation.map(|href| view! { <a href=href class="text-indigo-600 hover:underline dark:text-indigo-400">"Open the conversation"</a> })}
            // A plain form: the page comes back from the post with the run as it is
            // then, and this island does not carry the server-function client.
            <Show when=running>
                <form method="post" action=CancelRun::url()>
                    <input type="hidden" name="id" value=run.id.to_string() />
                    <button type="submit" class="rounded-md border border-rose-300 px-3 py-1 text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300">"Cancel"</button>
                </form>
            </Show>
        </div>
        <section aria-labelledby="answer-title" class="mb-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="answer-title" class="mb-2 font-medium">"Answer"</h2>
            <div aria-live="polite" data-testid="answer" class="whitespace-pre-wrap break-words text-sm">
                {move || output_text().unwrap_or_else(|| live.text.get())}
            </div>
            <RunSources steps=live.steps.into() answer=Signal::derive(move || output_text().unwrap_or_default()) />
            {move || live.failure.get().map(|(reason, detail)| view! {
                <p role="alert" data-testid="failure" class="mt-3 text-sm text-rose-600">{format!("Failed ({reason}): {detail}")}</p>
            })}
        </section>
        {run.graph.clone().map(|graph| view! { <WorkflowGraph graph steps=live.steps.into() active=live.active.into() /> })}
        <h2 class="mb-2 font-medium">"Steps"</h2>
        <RunTrace steps=live.steps.into() />
    }
}
