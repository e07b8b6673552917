//! The YAML tab (the text that is saved) and the list of every problem, each of which
//! jumps to its line.

use leptos::prelude::*;

use super::{Builder, Tab};
use crate::components::CodeText;

#[component]
pub fn YamlPanel(builder: Builder) -> impl IntoView {
    let text = builder.text;
    view! {
        <label for="spec" class="mb-1 block text-sm font-medium">"Spec (YAML or JSON)"</label>
        <textarea id="spec" name="spec" rows="22" spellcheck="false" aria-describedby="spec-problems"
            node_ref=builder.yaml_area
            class="block w-full rounded-md border border-slate-300 bg-white p-3 font-mono text-sm dark:border-slate-700 dark:bg-slate-950"
            prop:value=move || text.get()
            on:input=move |ev| text.set(event_target_value(&ev))
        >{text.get_untracked()}</textarea>
        <p class="mt-1 text-xs text-slate-500">"Edits here show in the form when you switch back; the form rewrites the YAML in its own layout (comments are not kept)."</p>
    }
}

#[component]
pub fn ProblemList(builder: Builder) -> impl IntoView {
    let jump = move |line: u32| {
        builder.tab.set(Tab::Yaml);
        let Some(area) = builder.yaml_area.get_untracked() else {
            return;
        };
        let (start, end) = line_span(&builder.text.get_untracked(), line);
        let _ = area.focus();
        let _ = area.set_selection_range(start, end);
    };
    view! {
        <div id="spec-problems" aria-live="polite" data-testid="spec-problems" class="mt-3">
            {move || {
                let problems = builder.problems.get();
                if problems.is_empty() {
                    return view! { <p class="text-sm text-emerald-700 dark:text-emerald-400">"The spec is valid."</p> }.into_any();
                }
                let count = problems.len();
                view! {
                    <p class="text-sm font-medium text-rose-600">{format!("{count} problem{} to fix before saving:", if count == 1 { "" } else { "s" })}</p>
                    <ul class="mt-1 space-y-1 text-sm text-rose-600 dark:text-rose-400">
                        {problems.into_iter().map(|problem| {
                            let line = problem.line;
                            let place = if problem.path.is_empty() { String::new() } else { format!("{}: ", problem.path) };
                            view! {
                                <li class="flex flex-wrap items-baseline gap-2">
                                    {(line > 0).then(|| view! {
                                        <button type="button" class="rounded bg-rose-50 px-1.5 font-mono text-xs hover:underline dark:bg-rose-950"
                                            on:click=move |_| jump(line)>{format!("line {line}")}</button>
                                    })}
                                    <span>{place}<CodeText text=problem.message /></span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

/// Where a 1-based line starts and ends, in the UTF-16 units a text area counts in.
fn line_span(text: &str, line: u32) -> (u32, u32) {
    let mut start = 0u32;
    for (index, content) in text.split('\n').enumerate() {
        let length = content.encode_utf16().count() as u32;
        if index + 1 == line as usize {
            return (start, start + length);
        }
        start += length + 1;
    }
    (start, start)
}

#[cfg(test)]
mod tests {
    use super::line_span;

    #[test]
    fn line_spans_count_utf16_units() {
        assert_eq!(line_span("a\nbé€\nc", 2), (2, 5));
        assert_eq!(line_span("a\n😀\nc", 3), (5, 6));
        assert_eq!(line_span("a", 9), (2, 2));
    }
}
