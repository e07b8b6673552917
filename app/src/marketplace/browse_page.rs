//! `/marketplace`: search, categories, sort, and pages of template cards. The search is
//! a plain GET form and every control a link, so the page works before hydration and
//! each view has its own URL.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

use super::{
    BrowseQuery, CATEGORIES, TemplateCard, TemplateSort, TemplatesPage, browse_templates,
    price_label,
};
use crate::components::PageHeader;
use crate::query_string;

const PILL: &str = "rounded-full border px-3 py-1 text-sm";
const PILL_ON: &str = "border-indigo-600 bg-indigo-600 text-white";
const PILL_OFF: &str =
    "border-slate-300 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub fn MarketplacePage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        BrowseQuery {
            search: params.get("q").unwrap_or_default(),
            category: params.get("category"),
            sort: TemplateSort::parse(&params.get("sort").unwrap_or_default()).unwrap_or_default(),
            page: params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    });
    let page = Resource::new(move || query.get(), browse_templates);
    view! {
        <PageHeader title="Marketplace" subtitle="Agent templates from the community, free or paid, deployed in one click." />
        <Form method="GET" action="" attr:class="mb-4 flex flex-wrap gap-2" attr:role="search">
            <label for="template-search" class="sr-only">"Search templates"</label>
            <input id="template-search" type="search" name="q" placeholder="Search templates…"
                prop:value=move || query.read().search.clone()
                class="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950" />
            {move || query.read().category.clone().map(|c| view! { <input type="hidden" name="category" value=c /> })}
            <input type="hidden" name="sort" prop:value=move || query.read().sort.as_str() />
            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Search"</button>
        </Form>
        <Filters query />
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading templates…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Results page query=query.get_untracked() /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The URL of the marketplace with some of the query changed.
fn href(query: &BrowseQuery) -> String {
    let mut parts = Vec::new();
    if !query.search.is_empty() {
        parts.push(format!("q={}", query_string::encode(&query.search)));
    }
    if let Some(category) = &query.category {
        parts.push(format!("category={category}"));
    }
    if query.sort != TemplateSort::Popular {
        parts.push(format!("sort={}", query.sort.as_str()));
    }
    if query.page > 1 {
        parts.push(format!("page={}", query.page));
    }
    if parts.is_empty() {
        "/marketplace".into()
    } else {
        format!("/marketplace?{}", parts.join("&"))
    }
}

#[component]
fn Filters(query: Memo<BrowseQuery>) -> impl IntoView {
    let link = move |change: &dyn Fn(&mut BrowseQuery)| {
        let mut next = query.get();
        change(&mut next);
        next.page = 1;
        href(&next)
    };
    view! {
        <nav aria-label="Categories" class="mb-3 flex flex-wrap gap-2">
            <a href=move || link(&|q| q.category = None)
                class=move || format!("{PILL} {}", if query.read().category.is_none() { PILL_ON } else { PILL_OFF })
                aria-current=move || query.read().category.is_none().then_some("page")>"All"</a>
            {CATEGORIES.into_iter().map(|category| view! {
                <a href=move || link(&|q| q.category = Some(category.to_string()))
                    class=move || format!("{PILL} capitalize {}", if query.read().category.as_deref() == Some(category) { PILL_ON } else { PILL_OFF })
                    aria-current=move || (query.read().category.as_deref() == Some(category)).then_some("page")>{category}</a>
            }).collect_view()}
        </nav>
        <nav aria-label="Sort" class="mb-5 flex items-center gap-3 text-sm">
            <span class="text-slate-500">"Sort:"</span>
            {TemplateSort::ALL.into_iter().map(|sort| view! {
                <a href=move || link(&|q| q.sort = sort)
                    class=move || if query.read().sort == sort { "font-medium text-indigo-600 dark:text-indigo-400" } else { "hover:underline" }
                    aria-current=move || (query.read().sort == sort).then_some("page")>{sort.label()}</a>
            }).collect_view()}
        </nav>
    }
}

#[component]
fn Results(page: TemplatesPage, query: BrowseQuery) -> impl IntoView {
    if page.templates.is_empty() {
        let message = if query.search.is_empty() && query.category.is_none() {
            "No templates are published yet. Publish one of your agents from its page.".to_string()
        } else {
            "No templates match. Try other words or another category.".to_string()
        };
        return view! {
            <section class="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center dark:border-slate-700 dark:bg-slate-900">
                <p class="text-sm text-slate-600 dark:text-slate-400">{message}</p>
                <A href="/agents" attr:class="mt-4 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Go to your agents"</A>
            </section>
        }
        .into_any();
    }
    let previous = (page.page > 1).then(|| {
        href(&BrowseQuery {
            page: page.page - 1,
            ..query.clone()
        })
    });
    let next = (page.page < page.pages).then(|| {
        href(&BrowseQuery {
            page: page.page + 1,
            ..query.clone()
        })
    });
    view! {
        <p class="mb-3 text-sm text-slate-500">{format!("{} template{}", page.total, if page.total == 1 { "" } else { "s" })}</p>
        <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="templates">
            {page.templates.into_iter().map(|card| view! { <Card card /> }).collect_view()}
        </ul>
        <nav aria-label="Pages" class="mt-6 flex items-center justify-between text-sm">
            {previous.map(|href| view! { <a href=href class="hover:underline">"← Previous"</a> })}
            <span class="text-slate-500">{format!("Page {} of {}", page.page, page.pages.max(1))}</span>
            {next.map(|href| view! { <a href=href class="hover:underline">"Next →"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
fn Card(card: TemplateCard) -> impl IntoView {
    let rating = card.rating.map_or("No ratings yet".to_string(), |r| {
        format!("★ {r:.1} ({})", card.rating_count)
    });
    let price = price_label(card.price_cents);
    view! {
        <li class="flex flex-col rounded-lg border border-slate-200 bg-white p-4 hover:border-indigo-400 dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-start justify-between gap-2">
                <a href=format!("/marketplace/{}", card.slug) class="font-medium hover:underline">{card.title.clone()}</a>
                <span class="shrink-0 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium dark:bg-slate-800" data-testid="price">{price}</span>
            </div>
            <p class="mt-1 flex-1 text-sm text-slate-600 dark:text-slate-400">{card.summary.clone()}</p>
            <p class="mt-3 flex flex-wrap gap-x-3 text-xs text-slate-500">
                <span class="capitalize">{card.category.clone()}</span>
                <span>{rating}</span>
                <span>{format!("{} deploy{}", card.deploy_count, if card.deploy_count == 1 { "" } else { "s" })}</span>
            </p>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_rest_of_the_query() {
        let query = BrowseQuery {
            search: "market research".into(),
            category: Some("research".into()),
            sort: TemplateSort::TopRated,
            page: 2,
        };
        assert_eq!(
            href(&query),
            "/marketplace?q=market+research&category=research&sort=top_rated&page=2"
        );
        assert_eq!(href(&BrowseQuery::default()), "/marketplace");
    }
}
