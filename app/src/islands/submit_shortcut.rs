use leptos::prelude::*;

/// Ctrl/Cmd + `key` inside `children` submits the form the focus is in. Around a
/// server-rendered form (which posts without JavaScript too) only this listener ships
/// to the browser. Inside an island, attach [`submit_on_shortcut`] instead: an island's
/// children are server-rendered HTML to the browser, so nesting this one there would
/// leave them inert.
#[island]
pub fn SubmitShortcut(#[prop(into)] key: String, children: Children) -> impl IntoView {
    view! { <div on:keydown=submit_on_shortcut(key)>{children()}</div> }
}

/// A keydown listener: Ctrl/Cmd + `key` submits the form the focus is in, as its submit
/// button would (not while that button is disabled: an invalid spec).
pub fn submit_on_shortcut(
    key: impl Into<String>,
) -> impl Fn(leptos::ev::KeyboardEvent) + Clone + 'static {
    let key = key.into();
    move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key() == key {
            submit_form_of(&ev);
        }
    }
}

/// Submits the form `ev` happened in, unless its submit button is disabled.
#[cfg(feature = "hydrate")]
fn submit_form_of(ev: &leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let form = ev
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|element| element.closest("form").ok().flatten())
        .and_then(|form| form.dyn_into::<web_sys::HtmlFormElement>().ok());
    if let Some(form) = form {
        ev.prevent_default();
        let blocked = form.query_selector("[type=submit]:disabled").ok().flatten();
        if blocked.is_none() {
            let _ = form.request_submit();
        }
    }
}

/// Keys are only ever pressed in the browser.
#[cfg(not(feature = "hydrate"))]
fn submit_form_of(_ev: &leptos::ev::KeyboardEvent) {}
