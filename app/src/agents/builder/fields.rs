//! The form's building blocks: a labelled box bound to one draft field, with the
//! validator's errors for that field under it (and announced to screen readers).

use leptos::prelude::*;

use super::Builder;
use crate::components::CodeText;
use crate::islands::Later;

pub const INPUT_CLASS: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm aria-[invalid=true]:border-rose-500 dark:border-slate-700 dark:bg-slate-950";
pub const SMALL_BUTTON: &str = "rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// A section of the form. Sections off screen are not laid out until scrolled to
/// (`content-visibility: auto`, their last size remembered): on a phone most of the form
/// is below the fold, and laying it out is most of the page's layout work. Their
/// fields hydrate after the island, each section in a task of its own ([`Later`]).
#[component]
pub fn Section(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <fieldset class="rounded-lg border border-slate-200 bg-white p-4 [content-visibility:auto] [contain-intrinsic-size:auto_320px] dark:border-slate-800 dark:bg-slate-900">
            <legend class="px-1 text-sm font-semibold">{title}</legend>
            <Later class="space-y-3">{children()}</Later>
        </fieldset>
    }
}

/// A text box (or a text area when `rows` is given) bound to a draft field.
#[component]
pub fn TextField(
    builder: Builder,
    #[prop(into)] id: String,
    label: &'static str,
    /// The field's path as the validator reports it.
    #[prop(into)]
    path: Signal<String>,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(optional)] rows: Option<u32>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] mono: bool,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    /// Only errors at the path itself, not inside it (a row's name, whose row has
    /// fields of its own).
    #[prop(optional)]
    exact: bool,
) -> impl IntoView {
    let problems_id = format!("{id}-problems");
    let invalid = move || (!errors(builder, &path.get(), exact).is_empty()).to_string();
    let class = if mono {
        format!("{INPUT_CLASS} font-mono")
    } else {
        INPUT_CLASS.to_string()
    };
    let input = move |ev: leptos::ev::Event| on_input.run(event_target_value(&ev));
    let control = match rows {
        Some(rows) => view! {
            <textarea id=id.clone() rows=rows class=class placeholder=placeholder spellcheck=(!mono).to_string()
                aria-describedby=problems_id.clone() aria-invalid=invalid
                prop:value=move || value.get() on:input=input>{value.get_untracked()}</textarea>
        }
        .into_any(),
        None => view! {
            <input id=id.clone() type="text" class=class placeholder=placeholder
                aria-describedby=problems_id.clone() aria-invalid=invalid
                value=value.get_untracked() prop:value=move || value.get() on:input=input />
        }
        .into_any(),
    };
    view! {
        <div>
            <label for=id.clone() class="mb-1 block text-sm font-medium">{label}</label>
            {control}
            {hint.map(|hint| view! { <p class="mt-1 text-xs text-slate-500">{move || hint.get()}</p> })}
            <FieldProblems builder path id=problems_id exact />
        </div>
    }
}

fn errors(builder: Builder, path: &str, exact: bool) -> Vec<String> {
    if exact {
        builder.errors_where(|at| at == path)
    } else {
        builder.errors_at(path)
    }
}

/// A drop-down of `(value, label)` options bound to a draft field.
#[component]
pub fn SelectField(
    builder: Builder,
    #[prop(into)] id: String,
    label: &'static str,
    #[prop(into)] path: Signal<String>,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    options: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    let problems_id = format!("{id}-problems");
    view! {
        <div>
            <label for=id.clone() class="mb-1 block text-sm font-medium">{label}</label>
            <select id=id class=INPUT_CLASS aria-describedby=problems_id.clone()
                prop:value=move || value.get()
                on:change=move |ev| on_change.run(event_target_value(&ev))>
                {options.into_iter().map(|(option, text)| view! {
                    <option value=option selected=move || value.get() == option>{text}</option>
                }).collect_view()}
            </select>
            <FieldProblems builder path id=problems_id />
        </div>
    }
}

/// The validator's errors for one field (nothing when it has none).
#[component]
pub fn FieldProblems(
    builder: Builder,
    #[prop(into)] path: Signal<String>,
    #[prop(into)] id: String,
    #[prop(optional)] exact: bool,
) -> impl IntoView {
    view! {
        <ul id=id aria-live="polite" class="mt-1 space-y-0.5 text-xs text-rose-600 dark:text-rose-400">
            {move || errors(builder, &path.get(), exact).into_iter().map(|message| view! { <li><CodeText text=message /></li> }).collect_view()}
        </ul>
    }
}

/// A "Remove" button for a row of a list.
#[component]
pub fn RemoveButton(label: String, on_click: Callback<()>) -> impl IntoView {
    view! {
        <button type="button" aria-label=label class=SMALL_BUTTON on:click=move |_| on_click.run(())>"Remove"</button>
    }
}
