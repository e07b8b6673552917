//! `/marketplace/:slug/purchase?session_id=…`: where Stripe Checkout sends the buyer
//! back. It grants nothing itself: it asks until Stripe's webhook has marked the purchase
//! paid, then offers the deploy.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{DeployTemplate, PurchaseState, get_purchase_state, get_template};
use crate::components::PageHeader;
use crate::islands::LiveParts;

/// How often to ask while Stripe has not confirmed yet, in seconds.
const POLL_SECS: u32 = 1;

/// Server-rendered: the state is a live part ([`LiveParts`]) that follows the page's
/// fresh render until Stripe has answered (then it stops); deploying is a plain post.
#[component]
pub fn PurchasePage() -> impl IntoView {
    let slug = use_params_map()
        .read_untracked()
        .get("slug")
        .unwrap_or_default();
    let session = use_query_map()
        .read_untracked()
        .get("session_id")
        .unwrap_or_default();
    let state = Resource::new(|| (), move |_| get_purchase_state(session.clone()));
    let template = Resource::new(|| (), {
        let slug = slug.clone();
        move |_| get_template(slug.clone())
    });
    let deploy = ServerAction::<DeployTemplate>::new();
    view! {
        <PageHeader title="Your purchase" subtitle="Stripe confirms the payment to us directly; this page waits for it." />
        <section class="max-w-xl rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900" aria-live="polite">
            <div id="purchase-state" data-live-part>
            <Suspense fallback=|| view! { <p class="text-sm">"Checking your payment…"</p> }>
                {move || Suspend::new(async move {
                    let current = state.await;
                    let template = template.await;
                    let title = template.as_ref().map(|t| t.card.title.clone()).unwrap_or_default();
                    let template_id = template.as_ref().map(|t| t.card.id.to_string()).unwrap_or_default();
                    match current {
                        Ok(PurchaseState::Paid) => view! {
                            <p class="text-lg font-medium text-emerald-700 dark:text-emerald-400" data-testid="purchase-state" data-live-final>"Payment confirmed"</p>
                            <p class="mt-1 text-sm">{format!("Your team now owns “{title}”.")}</p>
                            <ActionForm action=deploy attr:class="mt-4">
                                <input type="hidden" name="template_id" value=template_id />
                                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Deploy to my team"</button>
                            </ActionForm>
                        }.into_any(),
                        Ok(PurchaseState::Pending) => view! {
                            <p class="flex items-center gap-2 text-lg font-medium" data-testid="purchase-state">
                                <span class="inline-block h-3 w-3 animate-pulse rounded-full bg-amber-400" aria-hidden="true"></span>
                                "Waiting for Stripe to confirm your payment…"
                            </p>
                            <p class="mt-1 text-sm text-slate-500">"This usually takes a few seconds. You can leave this page: the template will be yours as soon as Stripe confirms."</p>
                            <noscript><p class="mt-2 text-sm">"Reload this page to check again."</p></noscript>
                        }.into_any(),
                        Ok(PurchaseState::Failed) => view! {
                            <p class="text-lg font-medium text-rose-600" data-testid="purchase-state" data-live-final>"The payment failed"</p>
                            <p class="mt-1 text-sm">"Nothing was charged. You can try again from the template's page."</p>
                        }.into_any(),
                        Ok(PurchaseState::Refunded) => view! {
                            <p class="text-lg font-medium" data-testid="purchase-state" data-live-final>"This purchase was refunded"</p>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="text-rose-600" data-live-final>{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            </div>
            <LiveParts every=POLL_SECS />
            {move || deploy.value().get().and_then(Result::err).map(|e| view! { <p role="alert" class="mt-2 text-sm text-rose-600">{e.to_string()}</p> })}
            <a href=format!("/marketplace/{slug}") class="mt-6 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Back to the template"</a>
        </section>
    }
}
