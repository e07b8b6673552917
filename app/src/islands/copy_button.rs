use leptos::prelude::*;

const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// Copies the value of the field with id `field` (a key or a link shown once) to the
/// clipboard. The page around it is server-rendered; only this button ships code.
/// Without JavaScript the field's text can still be selected and copied.
#[island]
pub fn CopyButton(#[prop(into)] field: String, #[prop(into)] label: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        copy_field(&field);
        copied.set(true);
    };
    view! {
        <button type="button" class=BUTTON aria-label=label on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

#[cfg(feature = "hydrate")]
fn copy_field(id: &str) {
    let value = document()
        .get_element_by_id(id)
        .and_then(|field| field.get_attribute("value"));
    if let Some(value) = value {
        // The promise is the browser's to keep: a refused write leaves the field to copy by hand.
        let _ = window().navigator().clipboard().write_text(&value);
    }
}

/// Clicks only happen in the browser.
#[cfg(not(feature = "hydrate"))]
fn copy_field(_id: &str) {}
