use leptos::prelude::*;

/// Shown in place of a page that failed: a plain apology and a way forward, never a
/// stack trace. The details go to the server log, not to the reader.
#[component]
pub fn ErrorFallback(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let count = move || errors.read().iter().count();
    view! {
        <section role="alert" class="rounded-xl border border-rose-200 bg-rose-50 px-6 py-10 text-center dark:border-rose-900 dark:bg-rose-950">
            <h2 class="text-lg font-medium text-rose-800 dark:text-rose-200">"Something went wrong on this page"</h2>
            <p class="mt-2 text-sm text-rose-700 dark:text-rose-300">
                "We could not show it just now ("{count}" problem(s)). Reload the page, or try again in a minute."
            </p>
            <a href="" class="mt-6 inline-block rounded-md bg-rose-600 px-4 py-2 text-sm font-medium text-white hover:bg-rose-500">
                "Reload"
            </a>
        </section>
    }
}
