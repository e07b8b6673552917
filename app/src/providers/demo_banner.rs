use leptos::prelude::*;

use super::get_engine_notice;

/// Says plainly when answers come from the built-in demo model rather than a real LLM.
#[component]
pub fn DemoBanner() -> impl IntoView {
    let notice = Resource::new(|| (), |_| get_engine_notice());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                matches!(notice.await, Ok(n) if n.demo_model).then(|| view! {
                    <p role="status" data-testid="demo-banner" class="mb-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
                        <strong>"Demo model. "</strong>
                        "Answers come from a built-in fake model, not a real LLM. Add a provider key in "
                        <a href="/settings/providers" class="underline">"Settings → Providers"</a>
                        " or configure one on the server."
                    </p>
                })
            })}
        </Suspense>
    }
}
