use leptos::prelude::*;

/// The product mark: a small gear-like hexagon, drawn inline so it costs no request.
#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="h-7 w-7 text-indigo-600 dark:text-indigo-400" viewBox="0 0 32 32" aria-hidden="true">
            <path fill="currentColor" d="M16 2 28 9v14l-12 7-12-7V9z" opacity="0.2" />
            <path fill="none" stroke="currentColor" stroke-width="2.5" stroke-linejoin="round" d="M16 4.5 26 10.3v11.4L16 27.5 6 21.7V10.3z" />
            <circle cx="16" cy="16" r="4" fill="currentColor" />
        </svg>
    }
}
