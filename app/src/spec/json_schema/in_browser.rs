//! The JSON Schema checker in the browser. `boon`, with the regex and IDNA tables it
//! brings, is most of the editor's code (~370 KB gzip), and most specs have no schema,
//! so it is a chunk of its own (`#[lazy]`), fetched the first time a spec has a schema
//! to check. Until the answer is back a schema shows no issues; then every spec view
//! that asked is run again (they track [`CHECKED_MORE`]) and finds it in the cache.
//! Saving is checked on the server either way.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use leptos::prelude::*;
use serde_json::Value;

use super::SchemaIssue;

/// Answers kept, by the schema's JSON text. Typing makes a new schema per keystroke;
/// past this many the cache starts over.
const KEEP: usize = 256;

/// Notified when an answer arrives.
static CHECKED_MORE: LazyLock<ArcTrigger> = LazyLock::new(ArcTrigger::new);

thread_local! {
    static CHECKED: RefCell<HashMap<String, Vec<SchemaIssue>>> = RefCell::default();
    static ASKED: RefCell<HashSet<String>> = RefCell::default();
}

/// The issues of `schema` if it has been checked; otherwise none yet, and the check is
/// started (the checker's chunk fetched the first time).
#[must_use]
pub fn check_schema(schema: &Value) -> Vec<SchemaIssue> {
    CHECKED_MORE.track();
    let key = schema.to_string();
    if let Some(issues) = CHECKED.with_borrow(|checked| checked.get(&key).cloned()) {
        return issues;
    }
    if ASKED.with_borrow_mut(|asked| asked.insert(key.clone())) {
        let schema = schema.clone();
        leptos::task::spawn_local(async move {
            let issues = check_in_chunk(schema).await;
            CHECKED.with_borrow_mut(|checked| {
                if checked.len() >= KEEP {
                    checked.clear();
                }
                checked.insert(key.clone(), issues);
            });
            ASKED.with_borrow_mut(|asked| asked.remove(&key));
            CHECKED_MORE.notify();
        });
    }
    Vec::new()
}

#[lazy]
fn check_in_chunk(schema: Value) -> Vec<SchemaIssue> {
    super::check_now(&schema)
}
