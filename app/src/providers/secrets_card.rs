use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{RemoveSecret, SaveSecret, SecretRow};

const CARD: &str =
    "mt-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
const FIELD: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[derive(Clone, Copy)]
pub struct SecretActions {
    pub save: ServerAction<SaveSecret>,
    pub remove: ServerAction<RemoveSecret>,
}

/// The team's named secrets for custom HTTP tools: specs name them, never hold them.
#[component]
pub fn SecretsCard(
    rows: Vec<SecretRow>,
    can_edit: bool,
    actions: SecretActions,
    /// The name of a secret whose save just failed, to fill in again (never its value).
    typed_name: Option<String>,
) -> impl IntoView {
    let empty = rows.is_empty();
    view! {
        <section class=CARD aria-labelledby="secrets-title">
            <h2 id="secrets-title" class="font-medium">"Secrets for custom tools"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "A custom HTTP tool sends a header from a secret named here, e.g. "
                <code class="font-mono text-xs">"Authorization: { secret: CRM_TOKEN, prefix: \"Bearer \" }"</code>"."
            </p>
            {empty.then(|| view! { <p class="mt-3 text-sm text-slate-500">"No secrets yet."</p> })}
            <ul class="mt-3 divide-y divide-slate-200 dark:divide-slate-800" data-testid="secrets">
                {rows.into_iter().map(|row| {
                    let name = row.name.clone();
                    view! {
                        <li class="flex flex-wrap items-center justify-between gap-2 py-2">
                            <span class="font-mono text-sm">{row.name.clone()}" "<span class="text-slate-500">{row.masked.clone()}</span></span>
                            {can_edit.then(|| view! {
                                <ActionForm action=actions.remove>
                                    <input type="hidden" name="name" value=name.clone() />
                                    <button type="submit" class=BUTTON aria-label=format!("Remove {name}")>"Remove"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {can_edit.then(|| view! {
                <ActionForm action=actions.save attr:class="mt-3 flex flex-wrap gap-2">
                    <label for="secret-name" class="sr-only">"Secret name"</label>
                    <input id="secret-name" name="name" value=typed_name required pattern="[A-Z][A-Z0-9_]{0,63}" placeholder="CRM_TOKEN" class=format!("{FIELD} w-full font-mono sm:w-40") />
                    <label for="secret-value" class="sr-only">"Secret value"</label>
                    <input id="secret-value" name="value" type="password" autocomplete="off" required maxlength="4000" placeholder="Value" class=format!("{FIELD} min-w-0 flex-1 basis-48") />
                    <button type="submit" class=BUTTON>"Save secret"</button>
                </ActionForm>
            })}
        </section>
    }
}
