//! The spec text area with live validation: the server's validator, compiled into the
//! page, checks every keystroke; errors carry their line.

use leptos::html::Form;
use leptos::prelude::*;

use crate::spec::parse_spec;

/// Every problem in the text, one line each (empty when the spec is valid).
pub fn problems_of(text: RwSignal<String>) -> Memo<Vec<String>> {
    Memo::new(move |_| match parse_spec(&text.get()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0.into_iter().map(|e| e.to_string()).collect(),
    })
}

#[component]
pub fn SpecEditor(text: RwSignal<String>, problems: Memo<Vec<String>>) -> impl IntoView {
    let initial = text.get_untracked();
    view! {
        <label for="spec" class="block text-sm font-medium">"Spec"</label>
        <textarea id="spec" name="spec" rows="22" spellcheck="false" aria-describedby="spec-problems"
            class="block w-full rounded-md border border-slate-300 bg-white p-3 font-mono text-sm dark:border-slate-700 dark:bg-slate-950"
            prop:value=move || text.get()
            on:input=move |ev| text.set(event_target_value(&ev))
        >{initial}</textarea>
        <div id="spec-problems" aria-live="polite" data-testid="spec-problems">
            {move || {
                let list = problems.get();
                if list.is_empty() {
                    view! { <p class="text-sm text-emerald-700 dark:text-emerald-400">"The spec is valid."</p> }.into_any()
                } else {
                    view! {
                        <ul class="space-y-1 text-sm text-rose-600">
                            {list.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </div>
    }
}

/// Ctrl/Cmd + `key` submits the form (as its submit button would) when `allowed`.
pub fn submit_on_shortcut(
    form: NodeRef<Form>,
    key: &'static str,
    allowed: impl Fn() -> bool + 'static,
) -> impl Fn(leptos::ev::KeyboardEvent) + 'static {
    move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key() == key {
            ev.prevent_default();
            if let (true, Some(form)) = (allowed(), form.get()) {
                let _ = form.request_submit();
            }
        }
    }
}
