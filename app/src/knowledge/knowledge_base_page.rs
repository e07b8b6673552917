//! `/knowledge/:id`: one knowledge base. Upload a file (a plain multipart post the
//! server answers with a redirect back here) or import an address; the documents with
//! their state and progress, kept current while any is being indexed; a search
//! playground showing what an agent would retrieve and why; the base's settings.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::knowledge_page::{BUTTON, CARD, FIELD, PRIMARY};
use super::{
    DeleteDocument, DeleteKnowledgeBase, Document, DocumentState, DocumentUpload, ImportDocument,
    KnowledgeBase, KnowledgeBaseOverview, ReindexDocument, Retrieval, SearchHit,
    UpdateKnowledgeBase, UploadOutcome, load_knowledge_base, search_knowledge_base,
};
use crate::components::{PageHeader, refill, shown_once};
use crate::islands::LiveParts;
use crate::spec::MicroUsd;

/// Seconds between refreshes of the documents while one is being indexed.
const REFRESH: u32 = 2;

#[component]
pub fn KnowledgeBasePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<Uuid>().ok())
            .unwrap_or_default()
    };
    let after = move || {
        query
            .read()
            .get("after")
            .and_then(|a| a.parse::<Uuid>().ok())
    };
    let page = Resource::new(
        move || (id(), after()),
        |(id, after)| load_knowledge_base(id, after),
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Loaded page /> }.into_any(),
                    Err(error) => view! {
                        <PageHeader title="Knowledge base" subtitle="" />
                        <p role="alert" class="text-rose-600">{error.to_string()}</p>
                        <A href="/knowledge" attr:class="text-sm text-indigo-700 hover:underline">"All knowledge bases"</A>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Loaded(page: KnowledgeBaseOverview) -> impl IntoView {
    let base = page.knowledge_base.clone();
    let uploaded = shown_once::<DocumentUpload>("document-upload");
    let refused = shown_once::<String>("document-upload-refused");
    let import = ServerAction::<ImportDocument>::new();
    let delete = ServerAction::<DeleteDocument>::new();
    let reindex = ServerAction::<ReindexDocument>::new();
    let update = ServerAction::<UpdateKnowledgeBase>::new();
    let remove = ServerAction::<DeleteKnowledgeBase>::new();
    let typed = refill();
    let error = move || {
        [
            import.value().get().and_then(Result::err),
            delete.value().get().and_then(Result::err),
            reindex.value().get().and_then(Result::err),
            update.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    let subtitle = if base.description.is_empty() {
        format!("Agents name it as knowledge: [{}]", base.name)
    } else {
        base.description.clone()
    };
    let id = base.id;
    let moving = base.next_embedding_model.clone().map(|next| view! {
        <p role="status" class="mb-4 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100">
            {format!("Moving to {next}: every chunk is being embedded again. Searches use {} until all are, then switch at once.", base.embedding_model)}
        </p>
    });
    view! {
        <PageHeader title=base.name.clone() subtitle=subtitle />
        <p class="-mt-4 mb-4 text-sm"><A href="/knowledge" attr:class="text-indigo-700 hover:underline dark:text-indigo-300">"← All knowledge bases"</A></p>
        {moving}
        {uploaded.map(|upload| view! { <UploadNotice upload /> })}
        {refused.map(|message| view! { <p role="alert" class="mb-4 text-sm text-rose-600" data-testid="upload-refused">{message}</p> })}
        {move || error().map(|e| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{e.to_string()}</p> })}
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <Documents base=base.clone() documents=page.documents.clone() delete reindex />
                <Playground id />
            </div>
            <div class="space-y-6">
                <section class=CARD aria-labelledby="upload-title">
                    <h2 id="upload-title" class="mb-3 font-medium">"Add documents"</h2>
                    <form method="post" action=format!("/knowledge/{id}/upload") enctype="multipart/form-data" class="space-y-3">
                        <div>
                            <label for="kb-file" class="mb-1 block text-sm font-medium">"File"</label>
                            <input id="kb-file" name="file" type="file" required accept=".pdf,.docx,.md,.markdown,.html,.htm,.txt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/markdown,text/html,text/plain"
                                class="block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 dark:file:bg-slate-800" />
                            <p class="mt-1 text-xs text-slate-500">"PDF, Word (.docx), Markdown, HTML or plain text, up to 16 MB. The same name again replaces the document."</p>
                        </div>
                        <div>
                            <label for="kb-tags" class="mb-1 block text-sm font-medium">"Tags (optional)"</label>
                            <input id="kb-tags" name="tags" placeholder="billing, faq" class=format!("{FIELD} w-full") />
                        </div>
                        <button type="submit" class=PRIMARY>"Upload"</button>
                    </form>
                    <ActionForm action=import attr:class="mt-4 space-y-2 border-t border-slate-200 pt-4 dark:border-slate-800">
                        <input type="hidden" name="id" value=id.to_string() />
                        <label for="kb-url" class="block text-sm font-medium">"Or import a web page"</label>
                        <div class="flex gap-2">
                            <input id="kb-url" name="url" type="url" required placeholder="https://example.com/help/refunds"
                                value=typed.get("url").cloned() class=format!("{FIELD} min-w-0 flex-1") />
                            <button type="submit" class=BUTTON>"Import"</button>
                        </div>
                    </ActionForm>
                </section>
                <Settings base=page.knowledge_base.clone() models=page.models.clone() update remove />
            </div>
        </div>
    }
}

#[component]
fn UploadNotice(upload: DocumentUpload) -> impl IntoView {
    let name = upload.document.name.clone();
    let text = match upload.outcome {
        UploadOutcome::Created => format!("{name} is queued to be indexed."),
        UploadOutcome::Replaced => format!(
            "{name} had other content: it is being indexed again; its old text serves searches until then."
        ),
        UploadOutcome::Unchanged => {
            format!("{name}: the knowledge base already holds this file; nothing changed.")
        }
    };
    view! {
        <p role="status" data-testid="upload-notice" class="mb-4 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm dark:border-emerald-800 dark:bg-emerald-950">{text}</p>
    }
}

#[component]
fn Documents(
    base: KnowledgeBase,
    documents: Vec<Document>,
    delete: ServerAction<DeleteDocument>,
    reindex: ServerAction<ReindexDocument>,
) -> impl IntoView {
    let id = base.id;
    let busy = documents.iter().any(|d| d.state.in_progress());
    let last = (documents.len() == super::PAGE_SIZE as usize)
        .then(|| documents.last().map(|d| d.id))
        .flatten();
    let summary = format!(
        "{} · {} · {} · chunks of {} tokens ({} overlap)",
        counted(base.documents, "document"),
        counted(base.chunks, "chunk"),
        base.embedding_model,
        base.chunk_tokens,
        base.chunk_overlap
    );
    view! {
        <section class=CARD aria-labelledby="documents-title">
            <h2 id="documents-title" class="font-medium">"Documents"</h2>
            <p class="mb-3 text-xs text-slate-500">{summary}</p>
            <div id="documents" data-live-part>
                // Refreshing stops once nothing is being indexed.
                {(!busy).then(|| view! { <span data-live-final hidden></span> })}
                {if documents.is_empty() {
                    view! { <p class="text-sm text-slate-500">"No documents yet. Upload a file or import a page: it is indexed in the background and shows here as it goes."</p> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100 dark:divide-slate-800" data-testid="documents">
                            {documents.into_iter().map(|document| view! { <DocumentRow id document delete reindex /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
            {last.map(|after| view! {
                <p class="mt-3 text-sm"><A href=format!("/knowledge/{id}?after={after}") attr:class="text-indigo-700 hover:underline dark:text-indigo-300">"Older documents →"</A></p>
            })}
        </section>
        {busy.then(|| view! { <LiveParts every=REFRESH /> })}
    }
}

#[component]
fn DocumentRow(
    id: Uuid,
    document: Document,
    delete: ServerAction<DeleteDocument>,
    reindex: ServerAction<ReindexDocument>,
) -> impl IntoView {
    let (badge, colour) = match document.state {
        DocumentState::Queued => (
            "Queued".to_string(),
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
        ),
        DocumentState::Extracting => (
            "Reading".to_string(),
            "bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-100",
        ),
        DocumentState::Embedding => (
            format!(
                "Embedding {}/{}",
                document.chunks_embedded, document.chunks_total
            ),
            "bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-100",
        ),
        DocumentState::Ready => (
            "Ready".to_string(),
            "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
        ),
        DocumentState::Failed => (
            "Failed".to_string(),
            "bg-rose-100 text-rose-800 dark:bg-rose-900 dark:text-rose-100",
        ),
    };
    let progress = (document.state == DocumentState::Embedding && document.chunks_total > 0).then(|| {
        let percent = document.chunks_embedded * 100 / document.chunks_total;
        view! {
            <div class="mt-1 h-1.5 w-40 rounded bg-slate-100 dark:bg-slate-800" role="progressbar"
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent.to_string() aria-label=format!("{} embedded", document.name)>
                <div class="h-1.5 rounded bg-sky-500" style=format!("width: {percent}%")></div>
            </div>
        }
    });
    let facts = format!(
        "{} · {} · {} · {} · added {}",
        kind_of(&document.media_type),
        size(document.bytes),
        counted(document.chunk_count, "chunk"),
        MicroUsd(document.cost_micro_usd),
        document.created
    );
    let document_id = document.id;
    let can_reindex = !document.state.in_progress();
    let name = document.name.clone();
    let row_name = name.clone();
    let (reindex_label, delete_label) = (format!("Index {name} again"), format!("Delete {name}"));
    view! {
        <li class="flex flex-wrap items-start justify-between gap-2 py-3" data-document=row_name data-state=document.state.as_str()>
            <div class="min-w-0">
                <A href=format!("/knowledge/{id}/documents/{document_id}") attr:class="break-all text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-300">{name}</A>
                <p class="text-xs text-slate-500">{facts}</p>
                {(!document.tags.is_empty()).then(|| view! { <p class="text-xs text-slate-500">{format!("Tags: {}", document.tags.join(", "))}</p> })}
                {document.failure.clone().map(|reason| view! { <p class="mt-1 text-xs text-rose-700 dark:text-rose-300" data-testid="failure">{reason}</p> })}
                {progress}
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <span class=format!("rounded-full px-2 py-0.5 text-xs {colour}") data-testid="state">{badge}</span>
                {can_reindex.then(|| view! {
                    <ActionForm action=reindex>
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="document" value=document_id.to_string() />
                        <button type="submit" class=BUTTON aria-label=reindex_label>"Re-index"</button>
                    </ActionForm>
                })}
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="document" value=document_id.to_string() />
                    <button type="submit" class=BUTTON aria-label=delete_label>"Delete"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// `1 chunk`, `3 chunks`.
pub(super) fn counted(n: i64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn kind_of(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "PDF",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "Word",
        "text/markdown" => "Markdown",
        "text/html" => "HTML",
        _ => "Text",
    }
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} B"),
    }
}

/// What an agent would retrieve for a question (a GET form: the results are part of
/// the page, with every rank and score that put them there).
#[component]
fn Playground(id: Uuid) -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let k = move || {
        query
            .read()
            .get("k")
            .and_then(|k| k.parse::<u32>().ok())
            .unwrap_or(5)
    };
    let retrieval = move || {
        query
            .read()
            .get("by")
            .and_then(|by| Retrieval::parse(&by))
            .unwrap_or_default()
    };
    let hits = Resource::new(
        move || (q(), k(), retrieval()),
        move |(q, k, retrieval)| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search_knowledge_base(id, q, k, retrieval).await.map(Some)
            }
        },
    );
    view! {
        <section class=CARD aria-labelledby="playground-title">
            <h2 id="playground-title" class="font-medium">"Try a search"</h2>
            <p class="mb-3 text-xs text-slate-500">"What an agent's knowledge_search would find: passages by meaning and by words, fused by rank (or by the one ranking the agent's spec chooses)."</p>
            <Form method="GET" action="" attr:class="flex flex-wrap gap-2">
                <label for="kb-query" class="sr-only">"Question"</label>
                <input id="kb-query" name="q" type="search" value=q placeholder="How long do refunds take?" class=format!("{FIELD} min-w-0 flex-1 basis-full sm:basis-auto") />
                <label for="kb-k" class="sr-only">"Passages"</label>
                <select id="kb-k" name="k" class=FIELD>
                    {[3u32, 5, 10, 20].into_iter().map(|n| view! { <option value=n.to_string() selected=move || k() == n>{format!("{n} passages")}</option> }).collect_view()}
                </select>
                <label for="kb-by" class="sr-only">"Ranked by"</label>
                <select id="kb-by" name="by" class=FIELD>
                    {Retrieval::ALL.into_iter().map(|mode| view! {
                        <option value=mode.as_str() selected=move || retrieval() == mode>{mode.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class=BUTTON>"Search"</button>
            </Form>
            <Suspense fallback=|| view! { <p class="mt-3 text-sm text-slate-500">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    match hits.await {
                        Ok(None) => ().into_any(),
                        Ok(Some(hits)) if hits.is_empty() => view! { <p class="mt-3 text-sm text-slate-500">"Nothing matches. Ready documents are searched; those still indexing are not yet."</p> }.into_any(),
                        Ok(Some(hits)) => view! {
                            <ol class="mt-3 space-y-3" data-testid="search-results">
                                {(1..).zip(hits).map(|(n, hit)| view! { <Hit n id hit /> }).collect_view()}
                            </ol>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-3 text-sm text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Hit(n: u32, id: Uuid, hit: SearchHit) -> impl IntoView {
    let why = [
        hit.semantic_rank.map(|rank| {
            format!(
                "meaning #{rank} (distance {:.3})",
                hit.distance.unwrap_or_default()
            )
        }),
        hit.lexical_rank.map(|rank| format!("words #{rank}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let href = format!(
        "/knowledge/{id}/documents/{}#chunk-{}",
        hit.chunk.document_id, hit.chunk.id
    );
    view! {
        <li class="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800">
            <p class="flex flex-wrap justify-between gap-2 text-xs text-slate-500">
                <span>
                    <span class="font-mono font-medium text-slate-700 dark:text-slate-200">{format!("[{n}] ")}</span>
                    <A href=href attr:class="text-indigo-700 hover:underline dark:text-indigo-300">{format!("{} · chunk {}", hit.document_name, hit.chunk.position + 1)}</A>
                </span>
                <span>{format!("score {:.4} · {why}", hit.score)}</span>
            </p>
            <p class="mt-1 whitespace-pre-wrap">{hit.chunk.content}</p>
        </li>
    }
}

#[component]
fn Settings(
    base: KnowledgeBase,
    models: Vec<String>,
    update: ServerAction<UpdateKnowledgeBase>,
    remove: ServerAction<DeleteKnowledgeBase>,
) -> impl IntoView {
    let id = base.id;
    let current = base
        .next_embedding_model
        .clone()
        .unwrap_or(base.embedding_model.clone());
    view! {
        <section class=CARD aria-labelledby="kb-settings-title">
            <h2 id="kb-settings-title" class="mb-3 font-medium">"Settings"</h2>
            <ActionForm action=update attr:class="space-y-3">
                <input type="hidden" name="id" value=id.to_string() />
                <div>
                    <label for="kb-model" class="mb-1 block text-sm font-medium">"Embedding model"</label>
                    <select id="kb-model" name="embedding_model" class=format!("{FIELD} w-full")>
                        {models.into_iter().map(|model| {
                            let selected = model == current;
                            let label = model.clone();
                            view! { <option value=model selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <p class="mt-1 text-xs text-slate-500">"A new model re-embeds every chunk in the background; searches keep working."</p>
                </div>
                <div class="grid grid-cols-2 gap-2">
                    <div>
                        <label for="kb-chunk" class="mb-1 block text-sm font-medium">"Chunk tokens"</label>
                        <input id="kb-chunk" name="chunk_tokens" type="number" min="50" max="2000" value=base.chunk_tokens.to_string() class=format!("{FIELD} w-full") />
                    </div>
                    <div>
                        <label for="kb-overlap" class="mb-1 block text-sm font-medium">"Overlap"</label>
                        <input id="kb-overlap" name="chunk_overlap" type="number" min="0" max="1999" value=base.chunk_overlap.to_string() class=format!("{FIELD} w-full") />
                    </div>
                </div>
                <button type="submit" class=BUTTON>"Save settings"</button>
            </ActionForm>
            <ActionForm action=remove attr:class="mt-4 space-y-2 border-t border-slate-200 pt-4 dark:border-slate-800">
                <input type="hidden" name="id" value=id.to_string() />
                <label for="kb-confirm" class="block text-sm">"To delete it with its documents, type its name:"</label>
                <input id="kb-confirm" name="confirm" required autocomplete="off" placeholder=base.name.clone() class=format!("{FIELD} w-full font-mono") />
                <button type="submit" class="rounded-md border border-rose-300 px-3 py-1.5 text-sm text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">
                    "Delete this knowledge base"
                </button>
            </ActionForm>
        </section>
    }
}
