//! Token accounting. The fake has no tokenizer, so it uses fixed, documented rules that tests
//! can predict: prompt tokens are a quarter of the prompt's characters, completion tokens are
//! the words emitted.

use crate::conversation::Conversation;

/// `ceil(characters of the system prompt and all messages / 4)`.
pub(crate) fn prompt_tokens(conversation: &Conversation) -> u64 {
    quarter(conversation.prompt_chars())
}

/// Tool calls have no words, so they are billed like prompts: `ceil(argument chars / 4)`.
pub(crate) fn tool_call_tokens(arguments: &str) -> u64 {
    quarter(arguments.chars().count()).max(1)
}

fn quarter(chars: usize) -> u64 {
    u64::try_from(chars.div_ceil(4)).unwrap_or(u64::MAX)
}

/// The words of a reply as they are emitted, honouring `max_tokens`.
pub(crate) struct Words<'a> {
    /// Each word with the whitespace after it (and the text's leading whitespace on the
    /// first), so joining them reproduces the text exactly.
    pub(crate) pieces: Vec<&'a str>,
    /// Whether `max_tokens` stopped the reply early.
    pub(crate) truncated: bool,
}

impl<'a> Words<'a> {
    pub(crate) fn of(text: &'a str, max_tokens: Option<usize>) -> Words<'a> {
        let mut pieces = split_words(text);
        let limit = max_tokens.map_or(usize::MAX, |max| max.max(1));
        let truncated = pieces.len() > limit;
        pieces.truncate(limit);
        Words { pieces, truncated }
    }

    pub(crate) fn text(&self) -> String {
        self.pieces.concat()
    }

    /// Words emitted, at least 1.
    pub(crate) fn tokens(&self) -> u64 {
        u64::try_from(self.pieces.len()).unwrap_or(u64::MAX).max(1)
    }
}

fn split_words(text: &str) -> Vec<&str> {
    // A piece starts at every word that follows whitespace, except the first word, so
    // leading whitespace joins the first piece and trailing whitespace the last.
    let mut starts = vec![0];
    let mut seen_word = false;
    let mut after_space = false;
    for (index, c) in text.char_indices() {
        if c.is_whitespace() {
            after_space = true;
        } else {
            if seen_word && after_space {
                starts.push(index);
            }
            seen_word = true;
            after_space = false;
        }
    }
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(&from, to)| &text[from..to])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Role, Turn};

    #[test]
    fn words_keep_their_whitespace() {
        assert_eq!(split_words("Hello world"), ["Hello ", "world"]);
        assert_eq!(
            split_words("  two\n\nlines  here "),
            ["  two\n\n", "lines  ", "here "]
        );
        assert_eq!(split_words("one"), ["one"]);
        assert_eq!(split_words(""), [""]);
        assert_eq!(split_words("   "), ["   "]);
    }

    #[test]
    fn max_tokens_truncates_and_tokens_count_words() {
        let words = Words::of("a b c d", Some(2));
        assert!(words.truncated);
        assert_eq!(words.text(), "a b ");
        assert_eq!(words.tokens(), 2);
        let all = Words::of("a b c d", Some(4));
        assert!(!all.truncated);
        assert_eq!(all.tokens(), 4);
        assert_eq!(Words::of("", None).tokens(), 1);
    }

    #[test]
    fn prompt_tokens_are_a_quarter_of_the_characters_rounded_up() {
        let conversation = Conversation {
            system: "abcd".into(),
            turns: vec![Turn {
                role: Role::User,
                text: "héllo".into(),
            }],
            ..Conversation::default()
        };
        assert_eq!(prompt_tokens(&conversation), 3);
        assert_eq!(tool_call_tokens(r#"{"a":1}"#), 2);
    }
}
