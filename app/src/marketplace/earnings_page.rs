//! Settings → Earnings: the team's template sales with its 70 % share (less refunds),
//! totals per month, what awaits payout, and Stripe Connect onboarding for payouts.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{ConnectOnboarding, ConnectStatus, Earnings, get_earnings, price_label};

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

fn money(cents: i64) -> String {
    if cents < 0 {
        format!("−{}", price_label(-cents))
    } else if cents == 0 {
        "$0.00".into()
    } else {
        price_label(cents)
    }
}

#[component]
pub fn EarningsPage() -> impl IntoView {
    let earnings = Resource::new(|| (), |_| get_earnings());
    let connect = ServerAction::<ConnectOnboarding>::new();
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading earnings…"</p> }>
            {move || Suspend::new(async move {
                match earnings.await {
                    Ok(earnings) => view! { <Report earnings connect /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Report(earnings: Earnings, connect: ServerAction<ConnectOnboarding>) -> impl IntoView {
    let payout = match earnings.connect {
        None => view! { <p class="text-sm text-slate-500">"Payouts are arranged by the platform (Stripe Connect is not configured here)."</p> }.into_any(),
        Some(status) => view! {
            <ActionForm action=connect>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
                    {if status == ConnectStatus::NotStarted { "Set up payouts with Stripe" } else { "Continue Stripe onboarding" }}
                </button>
            </ActionForm>
            {move || connect.value().get().and_then(Result::err).map(|e| view! { <p role="alert" class="mt-2 text-sm text-rose-600">{e.to_string()}</p> })}
        }.into_any(),
    };
    view! {
        <div class="space-y-4">
            <section class=CARD aria-label="Payouts">
                <p class="text-sm text-slate-500">"Awaiting payout"</p>
                <p class="text-2xl font-semibold" data-testid="pending-payout">{money(earnings.pending_payout_cents)}</p>
                <p class="mb-3 text-xs text-slate-500">"Your team earns 70 % of each sale; refunds reverse the same share."</p>
                {payout}
            </section>
            <section class=CARD aria-labelledby="months-title">
                <h2 id="months-title" class="mb-2 font-medium">"By month"</h2>
                {if earnings.months.is_empty() {
                    view! { <p class="text-sm text-slate-500">"No sales yet. Publish a paid template from one of your agents to start earning."</p> }.into_any()
                } else {
                    view! {
                        <div class="overflow-x-auto">
                            <table class="w-full text-left text-sm" data-testid="earnings-months">
                                <thead class="text-xs text-slate-500"><tr><th class="py-1">"Month"</th><th>"Sales"</th><th>"Gross"</th><th>"Your share"</th></tr></thead>
                                <tbody>
                                    {earnings.months.into_iter().map(|m| view! {
                                        <tr class="border-t border-slate-100 dark:border-slate-800"><td class="py-1">{m.month}</td><td>{m.sales}</td><td>{money(m.gross_cents)}</td><td>{money(m.creator_cents)}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </section>
            <section class=CARD aria-labelledby="sales-title">
                <h2 id="sales-title" class="mb-2 font-medium">"Sales"</h2>
                {if earnings.sales.is_empty() {
                    view! { <p class="text-sm text-slate-500">"Each sale will be listed here with your share."</p> }.into_any()
                } else {
                    view! {
                        <div class="overflow-x-auto">
                            <table class="w-full text-left text-sm" data-testid="earnings-sales">
                                <thead class="text-xs text-slate-500"><tr><th class="py-1">"Template"</th><th>"Paid"</th><th>"Your share"</th><th>"Refunded"</th><th>"Payout"</th><th>"When"</th></tr></thead>
                                <tbody>
                                    {earnings.sales.into_iter().map(|s| view! {
                                        <tr class="border-t border-slate-100 dark:border-slate-800">
                                            <td class="py-1">{s.template_title}</td><td>{money(s.amount_cents)}</td><td>{money(s.creator_cents)}</td>
                                            <td>{(s.reversed_cents != 0).then(|| money(s.reversed_cents))}</td><td class="capitalize">{s.payout_status}</td><td class="text-xs text-slate-500">{s.created}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </section>
        </div>
    }
}
