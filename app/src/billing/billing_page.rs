//! Settings → Billing: the team's plan and its limits beside the others; owners upgrade
//! through Stripe Checkout and manage the subscription in Stripe's portal.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{BillingOverview, ManageBilling, PlanView, UpgradePlan, get_billing};
use crate::components::CARD;

const PRIMARY: &str =
    "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500";

fn count(n: i64) -> String {
    match n {
        n if n >= 1_000_000_000 && n % 1_000_000_000 == 0 => format!("{}B", n / 1_000_000_000),
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// Server-rendered: upgrading and the billing portal are plain posts whose answer
/// redirects to Stripe's page.
#[component]
pub fn BillingPage() -> impl IntoView {
    // Back from a Checkout.
    let upgraded = use_query_map().read_untracked().get("upgraded").is_some();
    let overview = Resource::new(|| (), |_| get_billing());
    let upgrade = ServerAction::<UpgradePlan>::new();
    let portal = ServerAction::<ManageBilling>::new();
    let error = move || {
        upgrade
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| portal.value().get().and_then(Result::err))
    };
    view! {
        {upgraded.then(|| view! {
            <p role="status" class="mb-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950">
                "Thank you! Your new plan applies as soon as Stripe confirms the subscription (usually a few seconds)."
            </p>
        })}
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading billing…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Plans overview upgrade portal /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Plans(
    overview: BillingOverview,
    upgrade: ServerAction<UpgradePlan>,
    portal: ServerAction<ManageBilling>,
) -> impl IntoView {
    let status = overview.subscription_status.clone().map(|s| {
        let renews = overview
            .renews
            .clone()
            .map(|r| format!(", renews {r}"))
            .unwrap_or_default();
        format!("Subscription {s}{renews}.")
    });
    let current = overview.current;
    let manage = (overview.can_manage && overview.has_customer && overview.payments_enabled).then(|| view! {
        <ActionForm action=portal>
            <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Manage billing"</button>
        </ActionForm>
    });
    view! {
        <section class=format!("{CARD} mb-4 flex flex-wrap items-center justify-between gap-3") aria-label="Current plan">
            <div>
                <p class="text-sm text-slate-500">"Current plan"</p>
                <p class="text-xl font-semibold capitalize" data-testid="current-plan">{current.as_str()}</p>
                {status.map(|s| view! { <p class="text-xs text-slate-500">{s}</p> })}
            </div>
            {manage}
        </section>
        {(!overview.payments_enabled).then(|| view! {
            <p class="mb-4 text-sm text-amber-700 dark:text-amber-400" role="note">"Upgrades are not available on this server (Stripe is not configured)."</p>
        })}
        <ul class="grid gap-4 md:grid-cols-3">
            {overview.plans.into_iter().map(|plan| {
                let is_current = plan.tier == current;
                let can_upgrade = overview.payments_enabled && overview.can_manage && !is_current
                    && plan.tier.is_paid() && overview.subscription_status.as_deref().is_none_or(|s| !matches!(s, "active" | "trialing" | "past_due"));
                view! { <Plan plan is_current can_upgrade upgrade /> }
            }).collect_view()}
        </ul>
        {(!overview.can_manage).then(|| view! { <p class="mt-3 text-xs text-slate-500">"Only the team's owners change the plan."</p> })}
    }
}

#[component]
fn Plan(
    plan: PlanView,
    is_current: bool,
    can_upgrade: bool,
    upgrade: ServerAction<UpgradePlan>,
) -> impl IntoView {
    let price = if plan.price_cents_month == 0 {
        "Free".to_string()
    } else {
        format!("${}/month", plan.price_cents_month / 100)
    };
    let tier = plan.tier.as_str();
    view! {
        <li class=format!("{CARD} {}", if is_current { "ring-2 ring-indigo-500" } else { "" }) data-plan=plan.tier.as_str()>
            <p class="font-medium">{plan.name.clone()}</p>
            <p class="text-2xl font-semibold">{price}</p>
            <ul class="mt-2 space-y-1 text-sm text-slate-600 dark:text-slate-400">
                <li>{format!("{} API requests / minute", count(plan.requests_per_minute))}</li>
                <li>{format!("{} runs / month", count(plan.monthly_runs))}</li>
                <li>{format!("{} tokens / month", count(plan.monthly_tokens))}</li>
            </ul>
            <div class="mt-3">
                {if is_current {
                    view! { <span class="text-sm font-medium text-indigo-600 dark:text-indigo-400">"Your plan"</span> }.into_any()
                } else if can_upgrade {
                    view! {
                        <ActionForm action=upgrade>
                            <input type="hidden" name="tier" value=tier />
                            <button type="submit" class=PRIMARY>{format!("Upgrade to {}", plan.name)}</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    ().into_any()
                }}
            </div>
        </li>
    }
}
