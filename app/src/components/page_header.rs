use leptos::prelude::*;
use leptos_meta::Title;

/// The title row of an app page; also sets the document title.
#[component]
pub fn PageHeader(#[prop(into)] title: String, #[prop(into)] subtitle: String) -> impl IntoView {
    view! {
        <Title text=title.clone() />
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{subtitle}</p>
        </div>
    }
}
