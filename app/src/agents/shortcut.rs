//! Keyboard shortcuts for forms: Ctrl/Cmd+S saves a spec, Ctrl/Cmd+Enter starts a run.

use leptos::html::Form;
use leptos::prelude::*;

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
