//! Text whose backticked parts are code: the validator's and the server's messages name
//! fields and values that way ("unknown mode `sometimes`"), and a page shows them as
//! code rather than as backticks.

use leptos::prelude::*;

const CODE: &str = "rounded bg-slate-100 px-1 font-mono text-[0.9em] dark:bg-slate-800";

/// The text's parts in order, each with whether it was between backticks. A backtick
/// without its pair stays as written.
pub fn code_spans(text: &str) -> Vec<(bool, String)> {
    let parts: Vec<&str> = text.split('`').collect();
    let unpaired = parts.len().is_multiple_of(2);
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| match unpaired && i == last {
            true => (false, format!("`{part}")),
            false => (i % 2 == 1, part.to_string()),
        })
        .collect()
}

#[component]
pub fn CodeText(#[prop(into)] text: String) -> impl IntoView {
    code_spans(&text)
        .into_iter()
        .map(|(code, part)| match code {
            true => view! { <code class=CODE>{part}</code> }.into_any(),
            false => part.into_any(),
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::code_spans;

    #[test]
    fn backticked_parts_are_code_and_a_lone_backtick_stays() {
        let spans = |text| code_spans(text);
        assert_eq!(
            spans("unknown mode `x`; expected tool"),
            [
                (false, "unknown mode ".into()),
                (true, "x".into()),
                (false, "; expected tool".into())
            ]
        );
        assert_eq!(spans("`a` and `b`").len(), 3);
        assert_eq!(
            spans("a ` b"),
            [(false, "a ".into()), (false, "` b".into())]
        );
        assert_eq!(spans("plain"), [(false, "plain".into())]);
        assert!(spans("").is_empty());
    }
}
