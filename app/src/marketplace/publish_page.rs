//! `/agents/:id/publish`: list the agent in the marketplace, or update its listing
//! (publishing again snapshots the agent's current version as the template's next
//! version), or unpublish it.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{CATEGORIES, Listing, PublishTemplate, UnpublishTemplate, get_listing, price_label};
use crate::agents::get_agent;
use crate::components::{PageHeader, refill, shown_once};
use crate::error::AppError;
use crate::routes::use_id_param;
use uuid::Uuid;

const FIELD: &str = "w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const LABEL: &str = "mb-1 block text-sm font-medium";

#[component]
pub fn PublishPage() -> impl IntoView {
    let agent_id = use_id_param()();
    view! {
        <PageHeader title="Publish to marketplace" subtitle="Share this agent as a template: free, or for a price with 70 % of each sale going to your team." />
        {match agent_id {
            Some(agent_id) => view! { <PublishTemplateForm agent_id /> }.into_any(),
            None => view! { <p role="alert" class="text-rose-600">{AppError::NotFound.to_string()}</p> }.into_any(),
        }}
    }
}

/// Server-rendered, its forms plain posts: publishing comes back to the page with the
/// listing's link (`shown_once`); a refused form comes back with what was typed.
#[component]
fn PublishTemplateForm(agent_id: Uuid) -> impl IntoView {
    let publish = ServerAction::<PublishTemplate>::new();
    let unpublish = ServerAction::<UnpublishTemplate>::new();
    let published_now = shown_once::<Listing>("template-published");
    let typed = StoredValue::new(refill());
    let data = Resource::new(
        || (),
        move |_| async move {
            Ok::<_, AppError>((get_agent(agent_id).await?, get_listing(agent_id).await?))
        },
    );
    let error = move || {
        publish
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| unpublish.value().get().and_then(Result::err))
    };
    view! {
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        {published_now.map(|listing| view! {
            <p role="status" class="mb-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950">
                {format!("Published as version {}. ", listing.version)}
                <a href=format!("/marketplace/{}", listing.slug) class="font-medium text-indigo-600 hover:underline">"View it in the marketplace"</a>
            </p>
        })}
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                    Ok((agent, listing)) => {
                        let form = listing.as_ref().map(|l| l.form.clone()).unwrap_or_default();
                        let title = if form.title.is_empty() { agent.name.clone() } else { form.title.clone() };
                        let summary = if form.summary.is_empty() { agent.description.clone() } else { form.summary.clone() };
                        let price = if form.price_cents == 0 { String::new() } else { price_label(form.price_cents).trim_start_matches('$').to_string() };
                        // What a refused post had typed, else the listing's own.
                        let field = |name: &str, saved: String| typed.with_value(|typed| typed.get(name).filter(|v| !v.is_empty()).cloned()).unwrap_or(saved);
                        let (title, summary, price) = (field("title", title), field("summary", summary), field("price", price));
                        let description = field("description_md", form.description_md.clone());
                        let category = field("category", form.category.clone());
                        let tags = field("tags", form.tags.join(", "));
                        let status = listing.as_ref().map(|l| format!("Listed as “{}”, version {}, {}.", l.slug, l.version, l.status));
                        let published = listing.as_ref().is_some_and(|l| l.status == "published");
                        let id = agent.id.to_string();
                        let unpublish_id = id.clone();
                        view! {
                            {status.map(|s| view! { <p class="mb-3 text-sm text-slate-600 dark:text-slate-400" data-testid="listing-status">{s}</p> })}
                            <ActionForm action=publish attr:class="max-w-2xl space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                                <input type="hidden" name="agent_id" value=id />
                                <div><label for="t-title" class=LABEL>"Title"</label>
                                    <input id="t-title" name="title" required maxlength="120" value=title class=FIELD /></div>
                                <div><label for="t-summary" class=LABEL>"Summary"</label>
                                    <input id="t-summary" name="summary" required maxlength="300" value=summary class=FIELD /></div>
                                <div><label for="t-description" class=LABEL>"Description (Markdown)"</label>
                                    <textarea id="t-description" name="description_md" rows="8" maxlength="20000" class=format!("{FIELD} font-mono")>{description}</textarea>
                                    <p class="mt-1 text-xs text-slate-500">"Headings, lists, links and code. HTML is shown as text."</p></div>
                                <div class="flex flex-wrap gap-4">
                                    <div><label for="t-category" class=LABEL>"Category"</label>
                                        <select id="t-category" name="category" class=FIELD>
                                            {CATEGORIES.into_iter().map(|c| view! { <option value=c selected=category == c class="capitalize">{c}</option> }).collect_view()}
                                        </select></div>
                                    <div class="min-w-0 flex-1"><label for="t-tags" class=LABEL>"Tags"</label>
                                        <input id="t-tags" name="tags" placeholder="seo, research" value=tags class=FIELD /></div>
                                    <div><label for="t-price" class=LABEL>"Price (USD)"</label>
                                        <input id="t-price" name="price" inputmode="decimal" placeholder="Free" value=price class=format!("{FIELD} w-32") />
                                        <p class="mt-1 text-xs text-slate-500">"Blank for free; $0.50–$1,000."</p></div>
                                </div>
                                <p class="text-xs text-slate-500">"The template is a snapshot of the agent's current version. Specs name secrets but never hold them, so your keys stay yours."</p>
                                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
                                    {if published { "Publish update" } else { "Publish" }}
                                </button>
                            </ActionForm>
                            {published.then(|| view! {
                                <ActionForm action=unpublish attr:class="mt-4">
                                    <input type="hidden" name="agent_id" value=unpublish_id />
                                    <button type="submit" class="rounded-md border border-rose-300 px-3 py-1.5 text-sm text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-400">"Unpublish"</button>
                                </ActionForm>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
