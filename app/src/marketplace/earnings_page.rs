//! Settings → Earnings: the team's template sales with its 70 % share (less refunds),
//! totals per month, what awaits payout, and Stripe Connect onboarding for payouts.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{ConnectOnboarding, ConnectStatus, Earnings, get_earnings, price_label};
use crate::components::{CARD, NUM, Panel, ROW, Table};

fn money(cents: i64) -> String {
    if cents < 0 {
        format!("−{}", price_label(-cents))
    } else if cents == 0 {
        "$0.00".into()
    } else {
        price_label(cents)
    }
}

/// Server-rendered: Stripe Connect onboarding is a plain post whose answer redirects to
/// Stripe's page.
#[component]
pub fn EarningsPage() -> impl IntoView {
    let earnings = Resource::new(|| (), |_| get_earnings());
    let connect = ServerAction::<ConnectOnboarding>::new();
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading earnings…"</p> }>
            {move || Suspend::new(async move {
                match earnings.await {
                    Ok(earnings) => view! { <Report earnings connect /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
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
    let Earnings {
        months,
        sales,
        pending_payout_cents,
        ..
    } = earnings;
    view! {
        <div class="space-y-4">
            <section class=CARD aria-label="Payouts">
                <p class="text-sm text-slate-500">"Awaiting payout"</p>
                <p class="text-2xl font-semibold" data-testid="pending-payout">{money(pending_payout_cents)}</p>
                <p class="mb-3 text-xs text-slate-500">"Your team earns 70 % of each sale; refunds reverse the same share."</p>
                {payout}
            </section>
            <Panel id="months" title="By month" is_empty=months.is_empty()
                empty="No sales yet. Publish a paid template from one of your agents to start earning.".into_any()>
                <Table test_id="earnings-months" columns=&["Month", "Sales", "Gross", "Your share"]>
                    {months.into_iter().map(|m| view! {
                        <tr class=ROW><td class="py-1.5">{m.month}</td><td class=NUM>{m.sales}</td>
                            <td class=NUM>{money(m.gross_cents)}</td><td class=NUM>{money(m.creator_cents)}</td></tr>
                    }).collect_view()}
                </Table>
            </Panel>
            <Panel id="sales" title="Sales" is_empty=sales.is_empty()
                empty="Each sale will be listed here with your share.".into_any()>
                <Table test_id="earnings-sales" columns=&["Template", "Paid", "Your share", "Refunded", "Payout", "When"]>
                    {sales.into_iter().map(|s| view! {
                        <tr class=ROW>
                            <td class="py-1.5">{s.template_title}</td><td class=NUM>{money(s.amount_cents)}</td>
                            <td class=NUM>{money(s.creator_cents)}</td><td class=NUM>{(s.reversed_cents != 0).then(|| money(s.reversed_cents))}</td>
                            <td class="pl-2 capitalize">{s.payout_status}</td><td class="pl-2 text-xs text-slate-500">{s.created}</td>
                        </tr>
                    }).collect_view()}
                </Table>
            </Panel>
        </div>
    }
}
