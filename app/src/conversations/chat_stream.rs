//! The answer being written: the one part of the chat page with code. It follows the
//! turn's run (the text as the model writes it, each step as it ends) and, once the
//! run has ended, reloads the page, whose server render then shows the answer as it
//! is kept (its Markdown rendered, its steps folded). A reload in the middle renders
//! this island again, and the run's events replay from the start: the answer resumes
//! where it was.

use leptos::prelude::*;

use crate::agents::{RunTrace, live};
use crate::runs::{RunEvent, StepRecord};

/// `events`: where the run's events are (the team's own address for them, or a share
/// link's for its visitors).
#[island(lazy)]
pub fn ChatStream(events: String) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let steps = RwSignal::new(Vec::<StepRecord>::new());
    Effect::new(move |_| {
        live::follow(&events, move |event| match event {
            RunEvent::Token { text: more, .. } => text.update(|t| t.push_str(&more)),
            RunEvent::TextReset { .. } => text.set(String::new()),
            RunEvent::Step { step } => steps.update(|steps| {
                if !steps.iter().any(|s| s.seq == step.seq) {
                    steps.push(step);
                }
            }),
            RunEvent::Finished { .. } => reload(),
            RunEvent::Status { .. } | RunEvent::NodeStarted { .. } => {}
        })
    });
    let count = move || match steps.with(Vec::len) {
        0 => String::new(),
        1 => "1 step so far".to_string(),
        n => format!("{n} steps so far"),
    };
    view! {
        <div class="flex flex-col items-start" data-role="assistant">
            <div aria-live="polite" aria-busy="true" data-testid="streaming"
                class="w-full max-w-[85%] whitespace-pre-wrap break-words rounded-2xl rounded-bl-sm border border-slate-200 bg-white px-4 py-2 text-sm dark:border-slate-800 dark:bg-slate-900">
                {move || {
                    let so_far = text.get();
                    if so_far.is_empty() { "Thinking…".to_string() } else { so_far }
                }}
            </div>
            <Show when=move || !steps.with(Vec::is_empty)>
                <details class="mt-2 w-full max-w-[85%] text-sm">
                    <summary class="cursor-pointer text-xs text-slate-500">{count}</summary>
                    <div class="mt-2"><RunTrace steps=steps.into() /></div>
                </details>
            </Show>
        </div>
    }
}

/// The page again, from the server: the turn is kept by now (it is written in the
/// transaction that ends the run, before the run's last event goes out).
fn reload() {
    #[cfg(feature = "hydrate")]
    let _ = window().location().reload();
}
