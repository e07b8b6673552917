//! `/knowledge/:id/documents/:document`: a document's chunks as searches see them, each
//! with its own anchor (`#chunk-<id>`) for citations to point at.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::document_chunks;
use super::knowledge_page::CARD;
use crate::components::PageHeader;

#[component]
pub fn DocumentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move |key: &str| {
        params
            .read()
            .get(key)
            .and_then(|id| id.parse::<Uuid>().ok())
            .unwrap_or_default()
    };
    let loaded = Resource::new(
        move || (id("id"), id("document")),
        |(id, document)| document_chunks(id, document),
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let base = id("id");
                match loaded.await {
                    Ok((document, chunks)) => {
                        let subtitle = match &document.failure {
                            Some(failure) => failure.clone(),
                            None => format!("{} chunks, in order, as agents find and cite them.", chunks.len()),
                        };
                        view! {
                            <PageHeader title=document.name.clone() subtitle=subtitle />
                            <p class="-mt-4 mb-4 text-sm">
                                <A href=format!("/knowledge/{base}") attr:class="text-indigo-700 hover:underline dark:text-indigo-300">"← Back to the knowledge base"</A>
                                {document.source_url.clone().map(|url| view! {
                                    <span class="ml-3 break-all text-slate-500">{format!("From {url}")}</span>
                                })}
                            </p>
                            {if chunks.is_empty() {
                                view! { <p class="text-sm text-slate-500">"No chunks: the document is still being indexed, or it failed."</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="space-y-3" data-testid="chunks">
                                        {chunks.into_iter().map(|chunk| view! {
                                            <li id=format!("chunk-{}", chunk.id) class=format!("{CARD} target:ring-2 target:ring-indigo-500")>
                                                <p class="mb-1 text-xs text-slate-500">{format!("Chunk {} · {} tokens · id {}", chunk.position + 1, chunk.tokens, chunk.id)}</p>
                                                <p class="whitespace-pre-wrap text-sm">{chunk.content}</p>
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(error) => view! {
                        <PageHeader title="Document" subtitle="" />
                        <p role="alert" class="text-rose-600">{error.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
