//! What the model sees of a long conversation. The newest turns go as they were, as
//! many as fit the spec's history budget (`model.history_tokens`, estimated tokens);
//! older ones are folded by the model into a summary that goes in the system prompt.
//! The budget holds the new message, the kept turns and room for the summary, so a
//! conversation that grows never meets the model's context limit.

use app::conversations::Speaker;
use app::spec::{AgentBody, ModelPolicy, TaskType};
use serde_json::Value;

use super::agent_loop::{AgentCall, RunFailure, run_agent};
use super::context::RunContext;
use super::providers::Message;

/// The history budget when the spec sets none.
pub const DEFAULT_HISTORY_TOKENS: u32 = 8_000;
/// The trace's name for the summary's model call (a node of its own, so its tokens are
/// not mistaken for the answer's).
pub const MEMORY_NODE: &str = "memory";

const SUMMARISER: &str = "You keep the memory of a conversation between a person and an \
assistant. Write a concise summary of it for the assistant to continue from: the \
person's goals, facts and names given, decisions made, questions still open. Plain \
prose, no preamble, in the conversation's language.";

/// About how many tokens a text is (four bytes a token, as English averages, plus a
/// message's overhead): an estimate that errs high for English and prose alike.
pub fn estimate_tokens(text: &str) -> u32 {
    u32::try_from(text.len().div_ceil(4))
        .unwrap_or(u32::MAX)
        .saturating_add(4)
}

/// The room a summary may take: a quarter of the budget.
pub fn summary_room(budget: u32) -> u32 {
    (budget / 4).max(100)
}

/// How many of the `earlier` turns (oldest first) must be folded into the summary for
/// the rest, the new message and a summary to fit `budget`. Whole exchanges go
/// together, so the kept history still starts with a person's message.
pub fn to_fold(
    earlier: &[(Speaker, String)],
    message: &str,
    budget: u32,
    summarised: bool,
) -> usize {
    let room = budget.saturating_sub(estimate_tokens(message));
    let needs_summary_room = |fold: usize| summarised || fold > 0;
    let total: u32 = earlier.iter().map(|(_, text)| estimate_tokens(text)).sum();
    let fits = |fold: usize, kept: u32| {
        let summary = if needs_summary_room(fold) {
            summary_room(budget)
        } else {
            0
        };
        kept.saturating_add(summary) <= room
    };
    let mut kept = total;
    let mut fold = 0;
    while fold < earlier.len() && !fits(fold, kept) {
        kept -= estimate_tokens(&earlier[fold].1);
        fold += 1;
        // Never start the kept turns with the assistant's half of an exchange.
        while fold < earlier.len() && earlier[fold].0 == Speaker::Assistant {
            kept -= estimate_tokens(&earlier[fold].1);
            fold += 1;
        }
    }
    fold
}

/// The turns as the model's messages.
pub fn as_messages(turns: &[(Speaker, String)]) -> Vec<Message> {
    turns
        .iter()
        .map(|(speaker, text)| match speaker {
            Speaker::User => Message::User(text.clone()),
            Speaker::Assistant => Message::Assistant {
                text: text.clone(),
                tool_calls: Vec::new(),
            },
        })
        .collect()
}

/// What the system prompt gains from the summary.
pub fn summary_note(summary: &str) -> String {
    format!("\n\nThe conversation so far, summarised:\n{summary}")
}

/// Folds `older` turns into the summary (the previous one, if any, taken in): a model
/// call of this run, recorded under the [`MEMORY_NODE`], its cost the turn's.
pub async fn summarise(
    ctx: &RunContext,
    model: &ModelPolicy,
    previous: Option<&str>,
    older: &[(Speaker, String)],
    budget: u32,
) -> Result<String, RunFailure> {
    let mut transcript = String::new();
    if let Some(previous) = previous {
        transcript.push_str("Summary of what came before:\n");
        transcript.push_str(previous);
        transcript.push_str("\n\nThen:\n");
    }
    for (speaker, text) in older {
        let who = match speaker {
            Speaker::User => "Person",
            Speaker::Assistant => "Assistant",
        };
        transcript.push_str(&format!("{who}: {text}\n"));
    }
    let room = summary_room(budget);
    // The cheapest capable model will do, unless the spec pins its models.
    let policy = ModelPolicy {
        task: TaskType::Simple,
        max_output_tokens: Some(room),
        temperature_centi: Some(0),
        ..model.clone()
    };
    let body = AgentBody {
        instructions: SUMMARISER.to_string(),
        tools: Vec::new(),
        invariants: Default::default(),
        knowledge: None,
    };
    let call = AgentCall {
        node: Some(MEMORY_NODE),
        parent: None,
        model: &policy,
        body: &body,
        system: SUMMARISER.to_string(),
        earlier: Vec::new(),
        prompt: transcript,
        history: Vec::new(),
    };
    let summary = match run_agent(ctx, call).await? {
        Value::String(text) => text,
        other => other.to_string(),
    };
    Ok(clip(&summary, room))
}

/// At most about `tokens` of `text`, cut at a character boundary.
fn clip(text: &str, tokens: u32) -> String {
    let bytes = usize::try_from(tokens)
        .unwrap_or(usize::MAX)
        .saturating_mul(4);
    if text.len() <= bytes {
        return text.trim().to_string();
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(n: usize, words: usize) -> Vec<(Speaker, String)> {
        (0..n)
            .map(|i| {
                let speaker = if i % 2 == 0 {
                    Speaker::User
                } else {
                    Speaker::Assistant
                };
                (speaker, "word ".repeat(words))
            })
            .collect()
    }

    #[test]
    fn everything_is_kept_while_it_fits() {
        assert_eq!(to_fold(&turns(6, 10), "hello", 8_000, false), 0);
    }

    #[test]
    fn the_oldest_exchanges_are_folded_until_the_rest_and_a_summary_fit() {
        let earlier = turns(40, 100); // ~129 tokens each, ~5,160 in all
        let budget = 2_000;
        let fold = to_fold(&earlier, "the new question", budget, false);
        assert!(fold > 0 && fold < earlier.len(), "{fold}");
        assert_eq!(
            earlier[fold].0,
            Speaker::User,
            "kept turns start with the person"
        );
        let kept: u32 = earlier[fold..]
            .iter()
            .map(|(_, t)| estimate_tokens(t))
            .sum();
        assert!(kept + summary_room(budget) + estimate_tokens("the new question") <= budget);
    }

    #[test]
    fn a_message_larger_than_the_budget_keeps_no_history() {
        let message = "x".repeat(40_000);
        assert_eq!(to_fold(&turns(4, 10), &message, 1_000, false), 4);
    }

    #[test]
    fn a_summary_is_clipped_to_its_room() {
        let long = "é".repeat(10_000);
        let clipped = clip(&long, 100);
        assert!(clipped.len() <= 400 + "…".len());
        assert!(clipped.ends_with('…'));
    }
}
