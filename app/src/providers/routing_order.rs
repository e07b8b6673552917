//! The team's routing order: the providers runs and gateway calls try in turn when an
//! agent names none. Every change (move up, move down, remove, add, back to the
//! platform's) is a form of its own that saves the whole new order: a plain post, and
//! the page comes back drawn in the new order.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::SetRoutingOrder;

const CARD: &str =
    "mb-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
const SMALL_BUTTON: &str = "rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 disabled:opacity-40 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub fn RoutingOrder(
    chain: Vec<String>,
    /// The team chose it (else it is the platform's).
    team_order: bool,
    can_edit: bool,
    /// Every provider the page lists, `(id, name)`, for names and for adding.
    names: Vec<(String, String)>,
    action: ServerAction<SetRoutingOrder>,
) -> impl IntoView {
    let name_of = {
        let names = names.clone();
        move |id: &str| {
            names
                .iter()
                .find(|(known, _)| known == id)
                .map_or_else(|| id.to_string(), |(_, name)| name.clone())
        }
    };
    let len = chain.len();
    let rows = chain.iter().enumerate().map(|(i, id)| {
        let moved = |to: usize| {
            let mut order = chain.clone();
            order.swap(i, to);
            order
        };
        let without = {
            let mut order = chain.clone();
            order.remove(i);
            order
        };
        let name = name_of(id);
        view! {
            <li class="flex flex-wrap items-center gap-2 py-1.5" data-provider=id.clone()>
                <span class="w-6 text-right font-mono text-xs text-slate-500">{format!("{}.", i + 1)}</span>
                <span class="min-w-0 flex-1 text-sm">{name.clone()}</span>
                {can_edit.then(|| view! {
                    <OrderButton action order=(i > 0).then(|| moved(i - 1)) label="↑" title=format!("Move {name} up") />
                    <OrderButton action order=(i + 1 < len).then(|| moved(i + 1)) label="↓" title=format!("Move {name} down") />
                    <OrderButton action order=(len > 1).then_some(without) label="Remove" title=format!("Remove {name} from the order") />
                })}
            </li>
        }
    }).collect_view();
    let missing: Vec<(String, String)> = names
        .into_iter()
        .filter(|(id, _)| !chain.contains(id))
        .collect();
    let adders = (can_edit && !missing.is_empty()).then(|| {
        let buttons = missing.into_iter().map(|(id, name)| {
            let mut order = chain.clone();
            order.push(id);
            view! { <OrderButton action order=Some(order) label="" title=format!("Add {name}") text=format!("+ {name}") /> }
        }).collect_view();
        view! { <div class="mt-2 flex flex-wrap gap-2" aria-label="Add a provider">{buttons}</div> }
    });
    view! {
        <section class=CARD aria-labelledby="routing-title">
            <h2 id="routing-title" class="font-medium">"Routing order"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {if team_order { "Your team's order. " } else { "The platform's order; change it for your team. " }}
                "Runs and gateway calls try these in turn, unless an agent names its own."
            </p>
            <ol class="mt-2 divide-y divide-slate-200 dark:divide-slate-800" data-testid="routing-order">{rows}</ol>
            {adders}
            {(can_edit && team_order).then(|| view! {
                <ActionForm action attr:class="mt-3">
                    <input type="hidden" name="providers" value="" />
                    <button type="submit" class=SMALL_BUTTON>"Use the platform's order"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// A button that saves `order`; disabled when there is no such order (the first row
/// cannot move up).
#[component]
fn OrderButton(
    action: ServerAction<SetRoutingOrder>,
    order: Option<Vec<String>>,
    label: &'static str,
    title: String,
    #[prop(optional, into)] text: Option<String>,
) -> impl IntoView {
    let disabled = order.is_none();
    let value = order.unwrap_or_default().join(",");
    let text = text.unwrap_or_else(|| label.to_string());
    view! {
        <ActionForm action>
            <input type="hidden" name="providers" value=value />
            <button type="submit" class=SMALL_BUTTON title=title.clone() aria-label=title disabled=disabled>{text}</button>
        </ActionForm>
    }
}
