//! The sources an answer cites: each `[n]` of the answer that a knowledge search of
//! the run numbered, linked to its passage in its document.

use leptos::prelude::*;
use serde_json::Value;

use crate::runs::{StepKind, StepRecord};

/// One numbered passage a knowledge search gave the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub n: u64,
    pub document: String,
    pub position: i64,
    pub href: String,
}

/// The passages the answer cites, in number order (none when it cites nothing).
pub fn cited(steps: &[StepRecord], answer: &str) -> Vec<Source> {
    let mut sources: Vec<Source> = steps
        .iter()
        .filter(|step| step.kind == StepKind::ToolCall)
        .flat_map(|step| {
            step.detail["citations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|citation| source(&citation))
        .filter(|source| answer.contains(&format!("[{}]", source.n)))
        .collect();
    sources.sort_by_key(|source| source.n);
    sources.dedup_by_key(|source| source.n);
    sources
}

fn source(citation: &Value) -> Option<Source> {
    let text = |key: &str| citation[key].as_str().map(str::to_string);
    Some(Source {
        n: citation["n"].as_u64()?,
        document: text("document")?,
        position: citation["position"].as_i64().unwrap_or_default(),
        href: format!(
            "/knowledge/{}/documents/{}#chunk-{}",
            text("knowledge_base_id")?,
            text("document_id")?,
            text("chunk_id")?
        ),
    })
}

#[component]
pub fn RunSources(steps: Signal<Vec<StepRecord>>, answer: Signal<String>) -> impl IntoView {
    let sources = move || cited(&steps.get(), &answer.get());
    view! {
        <Show when=move || !sources().is_empty()>
            <div class="mt-3 border-t border-slate-200 pt-3 dark:border-slate-800">
                <h3 class="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">"Sources"</h3>
                <ol class="space-y-1 text-sm" data-testid="sources">
                    {move || sources().into_iter().map(|source| view! {
                        <li>
                            <span class="font-mono">{format!("[{}] ", source.n)}</span>
                            <a href=source.href class="text-indigo-600 hover:underline dark:text-indigo-400">
                                {format!("{}, passage {}", source.document, source.position + 1)}
                            </a>
                        </li>
                    }).collect_view()}
                </ol>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::StepStatus;
    use crate::spec::MicroUsd;
    use serde_json::json;

    #[test]
    fn only_the_passages_the_answer_cites_are_listed() {
        let citation = |n: u64| {
            json!({"n": n, "document": "guide.md", "position": n, "knowledge_base_id": "k",
                   "document_id": "d", "chunk_id": format!("c{n}")})
        };
        let step = StepRecord {
            seq: 1,
            parent: None,
            node: None,
            kind: StepKind::ToolCall,
            status: StepStatus::Ok,
            provider: None,
            model: None,
            prompt_tokens: 0,
            completion_tokens: 0,
            cost: MicroUsd::ZERO,
            latency_ms: 0,
            detail: json!({"citations": [citation(1), citation(2), citation(3)]}),
        };
        let sources = cited(&[step], "Refunds take 30 days [3], sometimes [1].");
        assert_eq!(sources.iter().map(|s| s.n).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(sources[1].href, "/knowledge/k/documents/d#chunk-c3");
    }
}
