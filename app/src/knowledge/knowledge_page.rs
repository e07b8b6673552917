//! `/knowledge`: the team's knowledge bases, what each holds, and a new one.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

use super::knowledge_base_page::counted;
use super::{CreateKnowledgeBase, KnowledgeBase, list_knowledge_bases};
use crate::components::{PageHeader, refill};

pub(super) const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
pub(super) const FIELD: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
pub(super) const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
pub(super) const PRIMARY: &str =
    "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500";

#[component]
pub fn KnowledgePage() -> impl IntoView {
    let create = ServerAction::<CreateKnowledgeBase>::new();
    let bases = Resource::new(|| (), |_| list_knowledge_bases());
    let typed = refill();
    view! {
        <PageHeader title="Knowledge" subtitle="Documents your agents answer from, with citations. Tick a knowledge base in an agent's Knowledge section to use it." />
        {move || create.value().get().and_then(Result::err).map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading knowledge bases…"</p> }>
                    {move || Suspend::new(async move {
                        match bases.await {
                            Ok(list) if list.is_empty() => view! {
                                <section class="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center dark:border-slate-700 dark:bg-slate-900">
                                    <h2 class="text-lg font-medium">"No knowledge bases yet"</h2>
                                    <p class="mx-auto mt-2 max-w-md text-sm text-slate-600 dark:text-slate-400">
                                        "Create one, upload your PDFs, Word documents, Markdown, HTML or text, and give an agent "
                                        <code class="font-mono text-xs">"knowledge: [its-name]"</code>
                                        ": it searches them and cites what it used."
                                    </p>
                                </section>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="space-y-3" data-testid="knowledge-bases">
                                    {list.into_iter().map(|base| view! { <BaseRow base /> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <section class=CARD aria-labelledby="new-kb-title">
                <h2 id="new-kb-title" class="mb-3 font-medium">"New knowledge base"</h2>
                <ActionForm action=create attr:class="space-y-3">
                    <div>
                        <label for="kb-name" class="mb-1 block text-sm font-medium">"Name"</label>
                        <input id="kb-name" name="name" required maxlength="63" pattern="[a-z0-9][a-z0-9_\\-]*"
                            value=typed.get("name").cloned() placeholder="support-docs" class=format!("{FIELD} w-full font-mono") />
                        <p class="mt-1 text-xs text-slate-500">"Lower-case letters, digits, - and _. Specs name it."</p>
                    </div>
                    <div>
                        <label for="kb-description" class="mb-1 block text-sm font-medium">"Description (optional)"</label>
                        <input id="kb-description" name="description" maxlength="1000" value=typed.get("description").cloned() class=format!("{FIELD} w-full") />
                    </div>
                    <button type="submit" class=PRIMARY>"Create"</button>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
fn BaseRow(base: KnowledgeBase) -> impl IntoView {
    let counts = format!(
        "{} · {} · {}",
        counted(base.documents, "document"),
        counted(base.chunks, "chunk"),
        base.embedding_model
    );
    let name = base.name.clone();
    view! {
        <li class=CARD data-knowledge-base=name>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0">
                    <A href=format!("/knowledge/{}", base.id) attr:class="font-mono font-medium text-indigo-700 hover:underline dark:text-indigo-300">{base.name.clone()}</A>
                    {(!base.description.is_empty()).then(|| view! { <p class="text-sm text-slate-600 dark:text-slate-400">{base.description.clone()}</p> })}
                    <p class="mt-1 text-xs text-slate-500">{counts}</p>
                </div>
                <div class="flex gap-2 text-xs">
                    {(base.indexing > 0).then(|| view! { <span class="rounded-full bg-sky-100 px-2 py-0.5 text-sky-800 dark:bg-sky-900 dark:text-sky-100">{format!("{} indexing", base.indexing)}</span> })}
                    {(base.failed > 0).then(|| view! { <span class="rounded-full bg-rose-100 px-2 py-0.5 text-rose-800 dark:bg-rose-900 dark:text-rose-100">{format!("{} failed", base.failed)}</span> })}
                </div>
            </div>
        </li>
    }
}
