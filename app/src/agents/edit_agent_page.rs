//! `/agents/:id/edit`: change the spec; saving creates the next immutable version.

use leptos::prelude::*;
use leptos_router::components::A;

use super::get_agent;
use super::spec_editor::{Saves, SpecEditor, knowledge_choices};
use crate::components::PageHeader;
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
    let choices = Resource::new(|| (), |()| knowledge_choices());
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the agent…"</p> }>
            {move || Suspend::new(async move {
                match (agent.await, choices.await) {
                    (Ok(agent), _) if !agent.can_edit => view! {
                        <PageHeader title=agent.name.clone() subtitle="Only admins and owners of the team can change an agent." />
                        <A href=format!("/agents/{}", agent.id) attr:class="text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Back to the agent"</A>
                    }.into_any(),
                    (Ok(agent), Ok(knowledge)) => view! {
                        <PageHeader title=format!("Edit {}", agent.name) subtitle=format!("Version {} now; saving (Ctrl/Cmd+S) creates version {}.", agent.version, agent.version + 1) />
                        <SpecEditor saves=Saves::NextVersionOf(agent.id) yaml=agent.spec_yaml knowledge />
                    }.into_any(),
                    (Err(error), _) | (_, Err(error)) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
