//! A YAML document's nesting depth, measured on the parser's event stream before any
//! tree is built. The YAML loader builds the tree by recursion (one call per level, and
//! dropping the tree recurses the same way), so a 10 KB document nested thousands deep
//! (`- - - - … x`) would overflow the stack and abort the whole server. The event
//! parser itself is a state machine with its own stack on the heap, so walking its
//! events costs no recursion at all.

use yaml_rust2::parser::{Event, Parser};

use super::errors::{SpecError, SpecErrors};

/// The deepest nesting of mappings and sequences a spec may have. A spec's own structure
/// is 4 levels deep; an `output_schema` or a tool's `parameters` adds two levels per
/// schema level (`properties`, then the property), and schemas may nest 32 levels.
pub const MAX_DEPTH: usize = 100;

/// Refuses a document that nests deeper than [`MAX_DEPTH`], at the place where it
/// crosses the limit. Syntax errors are left for the loader, which reports them
/// with more context.
pub fn check(text: &str) -> Result<(), SpecErrors> {
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    loop {
        let Ok((event, mark)) = parser.next_token() else {
            return Ok(());
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(SpecErrors(vec![SpecError {
                        path: String::new(),
                        line: mark.line() as u32,
                        column: mark.col() as u32 + 1,
                        message: format!(
                            "the spec nests lists and mappings more than {MAX_DEPTH} levels deep (the limit is {MAX_DEPTH})"
                        ),
                    }]));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_and_refuses_one_more() {
        let nested = |levels: usize| format!("{}x", "[".repeat(levels)) + &"]".repeat(levels);
        assert!(check(&nested(MAX_DEPTH)).is_ok());
        let error = check(&nested(MAX_DEPTH + 1)).expect_err("too deep");
        assert!(error.0[0].message.contains("100 levels"), "{error}");
    }

    #[test]
    fn block_sequences_thousands_deep_are_refused_without_recursion() {
        let text = format!("name: x\ndescription:\n{}x\n", "- ".repeat(5_000));
        let error = check(&text).expect_err("too deep");
        assert_eq!(error.0[0].line, 3);
    }

    #[test]
    fn syntax_errors_are_left_to_the_loader() {
        assert!(check("a: [b").is_ok());
    }
}
