//! The pieces the sign-in and sign-up forms share.

use leptos::prelude::*;

use crate::components::Logo;
use crate::error::AppError;

/// The email to fill in: what was typed before a failed post, else the address an
/// emailed invitation's link names (`?email=`).
pub fn email_to_fill(
    refill: &std::collections::BTreeMap<String, String>,
    query: Memo<leptos_router::params::ParamsMap>,
) -> Option<String> {
    let typed = refill.get("email").cloned();
    typed.or_else(|| query.read_untracked().get("email"))
}

/// What a page an emailed link opens shows: the link's form (`children`) while the link
/// works (`live`), else `expired`. Opening the page only checks the link: its form's
/// POST is what spends it, so mail scanners that follow links spend nothing.
#[component]
pub fn LinkGate(
    live: Resource<Result<bool, AppError>>,
    #[prop(into)] expired: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="text-sm">"Checking the link…"</p> }>
            {move || {
                let (expired, children) = (expired.clone(), children.clone());
                Suspend::new(async move {
                    match live.await {
                        Ok(true) => children().into_any(),
                        Ok(false) => expired.run().into_any(),
                        Err(error) => view! { <p role="alert" class="text-sm">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A centred card with the product mark and a heading.
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="mx-auto w-full max-w-sm px-4 py-16">
            <div class="flex justify-center"><Logo /></div>
            <h1 class="mt-4 text-center text-2xl font-semibold tracking-tight">{title}</h1>
            <div class="mt-8 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                {children()}
            </div>
        </section>
    }
}

/// A labelled input that shows the error belonging to its field.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    error: Signal<Option<AppError>>,
    /// Filled in again after a failed post (never a password).
    #[prop(default = None)]
    value: Option<String>,
    /// The element's id where a page has two fields of one name (else the name).
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let id = id.unwrap_or(name);
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some(name))
            .map(|e| e.to_string())
    };
    let described_by = format!("{id}-error");
    view! {
        <label class="block text-sm font-medium" for=id>{label}</label>
        <input
            id=id
            name=name
            type=kind
            autocomplete=autocomplete
            value=value
            required
            aria-invalid=move || message().is_some().to_string()
            aria-describedby=described_by.clone()
            class="mt-1 mb-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm aria-[invalid=true]:border-rose-500 dark:border-slate-700 dark:bg-slate-950"
        />
        <p id=described_by class="mb-3 min-h-4 text-xs text-rose-600 dark:text-rose-400">{message}</p>
    }
}

/// An error that belongs to no single field (wrong credentials, rate limits, outages).
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| e.field().is_none())
            .map(|e| e.to_string())
    };
    view! {
        <p role="alert" aria-live="polite" class="mb-3 text-sm text-rose-600 empty:hidden dark:text-rose-400">
            {message}
        </p>
    }
}

#[component]
pub fn SubmitButton(
    label: &'static str,
    busy_label: &'static str,
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            disabled=pending
            class="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60"
        >
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}
