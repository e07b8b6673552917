//! The spec editor, for a new agent and for an existing agent's next version: one
//! island, so both pages share one chunk of client code (the builder and the spec
//! validator), fetched when either page is opened.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::builder::{Builder, SpecFormBody};
use super::{CreateAgent, SaveVersion};
use crate::error::AppError;
use crate::islands::submit_on_shortcut;
use crate::knowledge::KnowledgeChoice;

/// What saving does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Saves {
    NewAgent,
    NextVersionOf(Uuid),
}

#[island(lazy)]
pub fn SpecEditor(
    saves: Saves,
    yaml: String,
    /// The team's knowledge bases, for the form's Knowledge section.
    knowledge: Vec<KnowledgeChoice>,
) -> impl IntoView {
    let builder = Builder::new(yaml, knowledge);
    let form = match saves {
        Saves::NewAgent => {
            let create = ServerAction::<CreateAgent>::new();
            view! {
                <ActionForm action=create attr:class="space-y-3">
                    <SpecFormBody builder error=failure(create) label="Save agent" />
                </ActionForm>
            }
            .into_any()
        }
        Saves::NextVersionOf(agent_id) => {
            let save = ServerAction::<SaveVersion>::new();
            view! {
                <ActionForm action=save attr:class="space-y-3">
                    <input type="hidden" name="agent_id" value=agent_id.to_string() />
                    <SpecFormBody builder error=failure(save) label="Save new version" />
                </ActionForm>
            }
            .into_any()
        }
    };
    view! { <div on:keydown=submit_on_shortcut("s")>{form}</div> }
}

/// The last save's error, as the form shows it.
fn failure<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    })
}

/// The team's knowledge bases as the builder offers them.
pub async fn knowledge_choices() -> Result<Vec<KnowledgeChoice>, AppError> {
    let bases = crate::knowledge::list_knowledge_bases().await?;
    Ok(bases.into_iter().map(KnowledgeChoice::from).collect())
}
