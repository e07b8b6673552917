//! Hydrating a large island in several short tasks instead of one long one.
//!
//! A phone's main thread is blocked while an island hydrates, and most of that time is
//! V8 compiling the island's WASM functions on their first call. [`Later`] puts the
//! hydration of its children off: the island hydrates without them, and the loader
//! ([`super::IslandsLoader`]) then hydrates each put-off part in a task of its own
//! (`hydrate_later`), yielding to the browser in between, so input and paint are never
//! held up for long. The server renders the children in place, so the page reads the
//! same before and after; `<html data-hydrated>` is set once every part is done.

use leptos::prelude::*;

/// A `<div>` whose children hydrate in a task of their own, after the island around
/// it. Rendered after the page has hydrated (e.g. when a `Show` opens), it renders its
/// children at once.
#[component]
pub fn Later(#[prop(optional)] class: &'static str, children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        client::later(class, children)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // The marker tells the client that these children came from the server and are
        // to be hydrated, not built.
        view! { <div class=class data-later="">{children()}</div> }
    }
}

/// Runs `work` in a task of its own, before the [`Later`] parts made after this call,
/// while the page hydrates; at once otherwise (on the server, or after hydration).
pub fn soon(work: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    if !client::page_hydrated() {
        client::put_off(Box::new(work));
        return;
    }
    work();
}

#[cfg(feature = "hydrate")]
pub use client::hydrate_later;

#[cfg(feature = "hydrate")]
mod client {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use leptos::prelude::*;
    use leptos::reactive::owner::Owner;
    use leptos::tachys::view::{Mountable, Position, Render, RenderHtml};
    use wasm_bindgen::prelude::wasm_bindgen;

    thread_local! {
        static PUT_OFF: RefCell<VecDeque<Box<dyn FnOnce()>>> = RefCell::default();
    }

    pub fn later(class: &'static str, children: Children) -> AnyView {
        if page_hydrated() {
            return view! { <div class=class>{children()}</div> }.into_any();
        }
        let node = NodeRef::<leptos::html::Div>::new();
        let owner = Owner::current();
        put_off(Box::new(move || {
            let Some(div) = node.get_untracked() else {
                return;
            };
            // Gone already: a `Show` around it closed in the meantime.
            if !div.is_connected() {
                return;
            }
            let render = move || render_into(div.into(), children());
            match owner {
                Some(owner) => owner.with(render),
                None => render(),
            }
        }));
        view! { <div class=class node_ref=node></div> }.into_any()
    }

    pub fn put_off(part: Box<dyn FnOnce()>) {
        PUT_OFF.with_borrow_mut(|parts| parts.push_back(part));
    }

    /// Hydrates the children the server rendered into `div`, or builds them there when
    /// it was built in the browser (during the page's hydration, so it was put off too).
    fn render_into(div: web_sys::Element, children: AnyView) {
        // Like Leptos's own islands, the view's state lives as long as the page: its
        // reactive parts belong to the owner, which cleans them up.
        if div.has_attribute("data-later") {
            let _ = div.remove_attribute("data-later");
            std::mem::forget(children.hydrate_from_position::<true>(&div, Position::FirstChild));
        } else {
            let mut state = children.build();
            state.mount(&div, None);
            std::mem::forget(state);
        }
    }

    pub fn page_hydrated() -> bool {
        document()
            .document_element()
            .is_some_and(|html| html.has_attribute("data-hydrated"))
    }

    /// Hydrates the next put-off part; false when none is left. The loader calls it in
    /// a task of its own each time.
    #[wasm_bindgen]
    pub fn hydrate_later() -> bool {
        let Some(part) = PUT_OFF.with_borrow_mut(VecDeque::pop_front) else {
            return false;
        };
        part();
        true
    }
}
