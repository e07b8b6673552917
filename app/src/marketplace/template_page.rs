//! `/marketplace/:slug`: the template's description, a read-only spec preview, its
//! ratings and reviews, and what the team can do — deploy it, or buy it first.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::reviews::{RatingsHistogram, Reviews};
use super::{BuyTemplate, DeployTemplate, TemplateView, get_template, price_label};
use crate::components::{CARD, MARKDOWN, PageHeader};

const PRIMARY: &str = "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50";

#[component]
pub fn TemplatePage() -> impl IntoView {
    let params = use_params_map();
    let deploy = ServerAction::<DeployTemplate>::new();
    let buy = ServerAction::<BuyTemplate>::new();
    let template = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_template,
    );
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the template…"</p> }>
            {move || Suspend::new(async move {
                match template.await {
                    Ok(view) => view! { <Template view deploy buy /> }.into_any(),
                    Err(error) => view! {
                        <PageHeader title="Template not found" subtitle="It may have been unpublished." />
                        <p role="alert" class="text-rose-600">{error.to_string()}</p>
                        <a href="/marketplace" class="mt-4 inline-block text-sm text-indigo-600 hover:underline">"Back to the marketplace"</a>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Template(
    view: TemplateView,
    deploy: ServerAction<DeployTemplate>,
    buy: ServerAction<BuyTemplate>,
) -> impl IntoView {
    let card = view.card.clone();
    let rating = card.rating.map_or("No ratings yet".to_string(), |r| {
        format!(
            "★ {r:.1} from {} rating{}",
            card.rating_count,
            if card.rating_count == 1 { "" } else { "s" }
        )
    });
    let mut category = card.category.clone();
    if let Some(first) = category.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let facts = format!(
        "{category} · version {} · {} deploy{} · published {}",
        card.version,
        card.deploy_count,
        if card.deploy_count == 1 { "" } else { "s" },
        view.published
    );
    view! {
        <PageHeader title=card.title.clone() subtitle=card.summary.clone() />
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <section class=CARD aria-label="Description">
                    <div class=MARKDOWN
                        inner_html=view.description_html.clone()></div>
                </section>
                <section class=CARD aria-labelledby="spec-title">
                    <h2 id="spec-title" class="mb-2 font-medium">"Spec (read-only)"</h2>
                    <p class="mb-2 text-xs text-slate-500">"What a deploy creates. Secrets are referenced by name and come from your own team's settings."</p>
                    <pre class="max-h-96 overflow-auto rounded bg-slate-50 p-3 font-mono text-xs dark:bg-slate-950" data-testid="spec-preview">{view.spec_yaml.clone()}</pre>
                </section>
                <Reviews view=view.clone() />
            </div>
            <aside class="space-y-4">
                <section class=CARD aria-label="Get this template">
                    <p class="text-2xl font-semibold" data-testid="template-price">{price_label(card.price_cents)}</p>
                    <p class="mt-1 text-sm text-slate-500">{rating}</p>
                    <p class="mt-1 text-xs text-slate-500">{facts}</p>
                    <div class="mt-4">
                        <Actions view=view.clone() deploy buy />
                    </div>
                </section>
                <RatingsHistogram histogram=view.histogram count=card.rating_count />
            </aside>
        </div>
    }
}

#[component]
fn Actions(
    view: TemplateView,
    deploy: ServerAction<DeployTemplate>,
    buy: ServerAction<BuyTemplate>,
) -> impl IntoView {
    let id = view.card.id.to_string();
    let error = move || {
        [deploy.value().get(), buy.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
    };
    let access = view.access;
    let body = if access.can_deploy {
        let label = if access.deployed {
            "Deploy again"
        } else {
            "Deploy to my team"
        };
        view! {
            <ActionForm action=deploy>
                <input type="hidden" name="template_id" value=id />
                <button type="submit" class=format!("{PRIMARY} w-full")>{label}</button>
            </ActionForm>
            {access.is_creator.then(|| view! { <p class="mt-2 text-xs text-slate-500">"This is your team's template."</p> })}
        }
        .into_any()
    } else if !access.payments_enabled {
        view! {
            <button type="button" class=format!("{PRIMARY} w-full") disabled=true>{format!("Buy for {}", price_label(view.card.price_cents))}</button>
            <p class="mt-2 text-xs text-amber-700 dark:text-amber-400" role="note">"Paid purchases are not available on this server (Stripe is not configured). Free templates can still be deployed."</p>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=buy>
                <input type="hidden" name="template_id" value=id />
                <button type="submit" class=format!("{PRIMARY} w-full")>{format!("Buy for {}", price_label(view.card.price_cents))}</button>
            </ActionForm>
            <p class="mt-2 text-xs text-slate-500">"One payment for your whole team, through Stripe. Deploy as often as you like."</p>
            {access.purchase_pending.then(|| view! { <p class="mt-2 text-xs text-amber-700 dark:text-amber-400">"A payment for this template is still being confirmed by Stripe."</p> })}
        }
        .into_any()
    };
    view! {
        {body}
        {move || error().map(|e| view! { <p role="alert" class="mt-2 text-sm text-rose-600">{e.to_string()}</p> })}
    }
}
