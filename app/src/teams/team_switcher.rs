use leptos::prelude::*;

use super::SwitchTeam;
use crate::auth::TeamRef;

/// Choose which team to act in. A plain form, so it works before hydration too.
#[component]
pub fn TeamSwitcher(current: TeamRef, teams: Vec<TeamRef>) -> impl IntoView {
    let switch = ServerAction::<SwitchTeam>::new();
    // Everything on screen belonged to the old team: start afresh with a full load.
    Effect::new(move || {
        if matches!(switch.value().get(), Some(Ok(()))) {
            let _ = window().location().set_href("/dashboard");
        }
    });
    (teams.len() > 1).then(|| {
        view! {
            <ActionForm action=switch attr:class="mt-3 flex gap-2">
                <label for="team-switcher" class="sr-only">"Team"</label>
                <select
                    id="team-switcher"
                    name="team_id"
                    class="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-xs dark:border-slate-700 dark:bg-slate-950"
                >
                    {teams
                        .into_iter()
                        .map(|team| {
                            let selected = team.id == current.id;
                            view! { <option value=team.id.to_string() selected=selected>{team.name}</option> }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                    "Switch"
                </button>
            </ActionForm>
        }
    })
}
