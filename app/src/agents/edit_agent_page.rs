//! `/agents/:id/edit`: change the spec; saving creates the next immutable version.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::builder::{Builder, SpecFormBody};
use super::{SaveVersion, get_agent};
use crate::components::PageHeader;
use crate::islands::submit_on_shortcut;
use crate::routes::use_id_param;

#[component]
pub fn EditAgentPage() -> impl IntoView {
    let agent_id = use_id_param();
    let agent = Resource::new(agent_id, |id| async move {
        match id {
            Some(id) => get_agent(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the agent…"</p> }>
            {move || Suspend::new(async move {
                match agent.await {
                    Ok(agent) if agent.can_edit => view! {
                        <PageHeader title=format!("Edit {}", agent.name) subtitle=format!("Version {} now; saving (Ctrl/Cmd+S) creates version {}.", agent.version, agent.version + 1) />
                        <Editor agent_id=agent.id yaml=agent.spec_yaml />
                    }.into_any(),
                    Ok(agent) => view! {
                        <PageHeader title=agent.name.clone() subtitle="Only admins and owners of the team can change an agent." />
                        <A href=format!("/agents/{}", agent.id) attr:class="text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Back to the agent"</A>
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The builder, as an island whose code (the spec validator included) is fetched when
/// the page is opened.
#[island(lazy)]
fn Editor(agent_id: Uuid, yaml: String) -> impl IntoView {
    let save = ServerAction::<SaveVersion>::new();
    let builder = Builder::new(yaml);
    let error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    view! {
        <div on:keydown=submit_on_shortcut("s")>
            <ActionForm action=save attr:class="space-y-3">
                <input type="hidden" name="agent_id" value=agent_id.to_string() />
                <SpecFormBody builder error label="Save new version" />
            </ActionForm>
        </div>
    }
}
