use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;

use crate::response_status;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    response_status::set_not_found();
    view! {
        <Title text="Page not found" />
        <Meta name="description" content="This page does not exist on Agent Factory." />
        <section class="mx-auto max-w-xl px-4 py-24 text-center">
            <p class="text-sm font-semibold text-indigo-600 dark:text-indigo-400">"404"</p>
            <h1 class="mt-2 text-3xl font-semibold tracking-tight">"We could not find that page"</h1>
            <p class="mt-3 text-slate-600 dark:text-slate-400">
                "The link may be old, or the page may have moved. Nothing was changed."
            </p>
            <div class="mt-8 flex justify-center gap-3">
                <A href="/" attr:class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
                    "Go to the home page"
                </A>
                <A href="/dashboard" attr:class="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                    "Open the dashboard"
                </A>
            </div>
        </section>
    }
}
