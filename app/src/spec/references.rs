//! `{{input.name}}` and `{{state.node}}` placeholders in instructions: checked when the
//! spec is saved so a typo is an error in the editor, not an empty string at run time.

use super::reader::{At, Errors};

/// Every `{{ … }}` placeholder in `text`, trimmed.
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(inside, _)| inside.trim())
}

pub(super) fn check_placeholders(
    text: &str,
    at: &At,
    inputs: &[&str],
    states: &[&str],
    errors: &mut Errors,
) {
    for placeholder in placeholders(text) {
        let known = match placeholder.split_once('.') {
            Some(("input", name)) => inputs.contains(&name),
            Some(("state", name)) => states.contains(&name),
            _ => false,
        };
        if !known {
            let hint = match placeholder.split_once('.') {
                Some(("input", _)) => {
                    format!("no input is named that; declared inputs: {}", list(inputs))
                }
                Some(("state", _)) => {
                    format!("no workflow node is named that; nodes: {}", list(states))
                }
                _ => "use {{input.NAME}} or, in workflows, {{state.NODE}}".to_string(),
            };
            errors.add(
                at,
                format!("unknown placeholder `{{{{{placeholder}}}}}`: {hint}"),
            );
        }
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Replaces placeholders with values from `lookup`; unknown ones are left as written.
pub fn render(text: &str, lookup: impl Fn(&str, &str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inside = after[..end].trim();
        match inside
            .split_once('.')
            .and_then(|(scope, name)| lookup(scope, name))
        {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}
