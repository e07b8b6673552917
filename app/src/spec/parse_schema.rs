//! A JSON Schema written inside a spec (`output_schema`, a tool's `parameters`): read as
//! JSON and checked, each issue reported at the line of the part of the schema it is
//! about rather than at the schema's first line.

use marked_yaml::types::Node;
use serde_json::Value;

use super::json_schema::check_schema;
use super::reader::{At, Errors, to_json};

/// The schema at `node` as JSON; its issues go to `errors`, worded "invalid `what` at
/// /pointer: …".
pub(super) fn schema(node: &Node, at: &At, what: &str, errors: &mut Errors) -> Value {
    let schema = to_json(node);
    for issue in check_schema(&schema) {
        let place = if issue.path.is_empty() {
            String::new()
        } else {
            format!(" at {}", issue.path)
        };
        errors.add(
            &at_pointer(node, at, &issue.path),
            format!("invalid {what}{place}: {}", issue.message),
        );
    }
    schema
}

/// Where the value a JSON Pointer names sits in the YAML (or the deepest part of it that
/// exists); the field path stays the schema's own.
fn at_pointer(node: &Node, at: &At, pointer: &str) -> At {
    let mut current = node;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = match current {
            Node::Mapping(map) => map
                .iter()
                .find(|(key, _)| key.as_str() == token)
                .map(|(_, value)| value),
            Node::Sequence(list) => token.parse::<usize>().ok().and_then(|i| list.get(i)),
            Node::Scalar(_) => None,
        };
        match next {
            Some(node) => current = node,
            None => break,
        }
    }
    At {
        path: at.path.clone(),
        span: *current.span(),
    }
}
