use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    AddSsoDomain, ConfigureSso, RemoveSso, RemoveSsoDomain, RequireSso, SsoDomain, SsoOverview,
    SsoProvider, VerifySsoDomain, get_sso_overview,
};
use crate::auth::Role;
use crate::components::{refill, shown_once};
use crate::error::AppError;

const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
const PRIMARY: &str =
    "rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500";
const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const CARD: &str =
    "rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";
const NOTE: &str = "mt-1 text-sm text-slate-600 dark:text-slate-400";

#[derive(Clone, Copy)]
struct Actions {
    configure: ServerAction<ConfigureSso>,
    require: ServerAction<RequireSso>,
    remove: ServerAction<RemoveSso>,
    add_domain: ServerAction<AddSsoDomain>,
    verify_domain: ServerAction<VerifySsoDomain>,
    remove_domain: ServerAction<RemoveSsoDomain>,
}

/// Settings → Single sign-on. Server-rendered: each form is a plain post that comes
/// back to the page, its error at the top and what was typed into the provider's form
/// kept (`refill`).
#[component]
pub fn SsoPage() -> impl IntoView {
    let actions = Actions {
        configure: ServerAction::new(),
        require: ServerAction::new(),
        remove: ServerAction::new(),
        add_domain: ServerAction::new(),
        verify_domain: ServerAction::new(),
        remove_domain: ServerAction::new(),
    };
    let overview = Resource::new(|| (), |_| get_sso_overview());
    // The error of whichever action ran last: one alert above the page.
    let results: Vec<Signal<Option<Result<(), AppError>>>> = vec![
        actions.configure.value().into(),
        actions.require.value().into(),
        actions.remove.value().into(),
        actions.add_domain.value().into(),
        actions.verify_domain.value().into(),
        actions.remove_domain.value().into(),
    ];
    let error = move || {
        results
            .iter()
            .find_map(|value| value.get().and_then(Result::err))
            .map(|error| error.to_string())
    };
    view! {
        <Title text="Single sign-on" />
        <p role="alert" aria-live="polite" class="mb-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 empty:hidden dark:bg-rose-950 dark:text-rose-200">{error}</p>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading single sign-on…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(sso) => view! { <SsoDetails sso actions /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SsoDetails(sso: SsoOverview, actions: Actions) -> impl IntoView {
    if !sso.available {
        return view! {
            <section class=CARD aria-labelledby="sso-plan">
                <h2 id="sso-plan" class="font-medium">"Single sign-on"</h2>
                <p class=NOTE>
                    "Sign your team in through your own identity provider (Okta, Microsoft Entra ID, Google Workspace, Keycloak, any OpenID Connect provider), with the email domains you own. It comes with the Enterprise plan."
                </p>
                <a href="/settings/billing" class="mt-3 inline-block text-sm font-medium text-indigo-600 underline dark:text-indigo-400">"See the plans"</a>
            </section>
        }
        .into_any();
    }
    let manage = sso.may_manage;
    view! {
        <div class="space-y-6">
            <ProviderCard provider=sso.provider.clone() callback_url=sso.callback_url manage actions />
            {sso.provider.clone().map(|provider| view! {
                <PolicyCard provider sign_in_url=sso.sign_in_url manage actions />
            })}
            <DomainsCard domains=sso.domains manage actions />
        </div>
    }
    .into_any()
}

#[component]
fn ProviderCard(
    provider: Option<SsoProvider>,
    callback_url: String,
    manage: bool,
    actions: Actions,
) -> impl IntoView {
    let saved = shown_once::<()>("sso-saved").is_some();
    let has_secret = provider.is_some();
    let (saved_issuer, saved_client_id, role) = provider.as_ref().map_or_else(
        || (String::new(), String::new(), Role::Member),
        |p| (p.issuer.clone(), p.client_id.clone(), p.default_role),
    );
    // What a refused save had typed, else what is saved.
    let typed = refill();
    let issuer = typed.get("issuer").cloned().unwrap_or(saved_issuer);
    let client_id = typed.get("client_id").cloned().unwrap_or(saved_client_id);
    view! {
        <section class=CARD aria-labelledby="sso-provider">
            <h2 id="sso-provider" class="font-medium">"Identity provider"</h2>
            <p class=NOTE>
                "Register Agent Factory at your provider as a web application (authorization code with PKCE) with this redirect address, then fill in what it gives you."
            </p>
            <label for="sso-callback" class="mt-3 block text-sm font-medium">"Redirect address"</label>
            <input id="sso-callback" readonly value=callback_url class=format!("{FIELD} font-mono text-xs") data-testid="sso-callback" />
            {if manage {
                view! {
                    <ActionForm action=actions.configure attr:class="mt-4 space-y-3">
                        <div>
                            <label for="sso-issuer" class="block text-sm font-medium">"Issuer URL"</label>
                            <input id="sso-issuer" name="issuer" type="url" required maxlength="512" value=issuer placeholder="https://login.example.com" class=FIELD />
                        </div>
                        <div>
                            <label for="sso-client-id" class="block text-sm font-medium">"Client ID"</label>
                            <input id="sso-client-id" name="client_id" required maxlength="255" value=client_id autocomplete="off" class=FIELD />
                        </div>
                        <div>
                            <label for="sso-client-secret" class="block text-sm font-medium">"Client secret"</label>
                            <input id="sso-client-secret" name="client_secret" type="password" autocomplete="new-password" required={!has_secret}
                                placeholder={if has_secret { "Saved (leave empty to keep it)" } else { "" }} class=FIELD />
                        </div>
                        <div>
                            <label for="sso-role" class="block text-sm font-medium">"Role of people who join through it"</label>
                            <select id="sso-role" name="default_role" class=FIELD>
                                <option value="member" selected={role == Role::Member}>"member"</option>
                                <option value="admin" selected={role == Role::Admin}>"admin"</option>
                            </select>
                        </div>
                        <div class="flex flex-wrap items-center gap-3">
                            <button type="submit" class=PRIMARY>"Save provider"</button>
                            {saved.then(|| view! {
                                <span role="status" class="text-sm text-emerald-700 dark:text-emerald-300">"Saved: the provider's discovery document was read."</span>
                            })}
                        </div>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <p class=NOTE>
                        {provider.map_or_else(
                            || "Not set up. Only owners can set it up.".to_owned(),
                            |p| format!("{} (client {}). Only owners change it.", p.issuer, p.client_id),
                        )}
                    </p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn PolicyCard(
    provider: SsoProvider,
    sign_in_url: String,
    manage: bool,
    actions: Actions,
) -> impl IntoView {
    let used = provider.last_used.clone().map_or_else(
        || "Nobody has signed in through it yet. Try it (sign out, then “Sign in with single sign-on”) before requiring it.".to_owned(),
        |at| format!("Last sign-in through it: {at}."),
    );
    let (state, button) = if provider.required {
        (
            "Required: people of your proven domains sign in only through your provider (no password, no other provider).",
            "Stop requiring single sign-on",
        )
    } else {
        (
            "Optional: people of your proven domains may also sign in with a password or another provider.",
            "Require single sign-on",
        )
    };
    view! {
        <section class=CARD aria-labelledby="sso-policy">
            <h2 id="sso-policy" class="font-medium">"Sign-in"</h2>
            <p class=NOTE>{state}</p>
            <p class=NOTE>{used}</p>
            <p class=NOTE>
                "People start at “Sign in with single sign-on” with their work email, or at "
                <a href=sign_in_url.clone() class="font-mono text-xs text-indigo-600 underline dark:text-indigo-400">{sign_in_url.clone()}</a>
                ". Someone new joins the team on their first sign-in."
            </p>
            {manage.then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    <ActionForm action=actions.require>
                        <input type="hidden" name="required" value=(!provider.required).to_string() />
                        <button type="submit" class=BUTTON>{button}</button>
                    </ActionForm>
                    <ActionForm action=actions.remove>
                        <button type="submit" class="rounded-md border border-rose-300 px-3 py-1.5 text-sm text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">
                            "Turn off single sign-on"
                        </button>
                    </ActionForm>
                </div>
            })}
        </section>
    }
}

#[component]
fn DomainsCard(domains: Vec<SsoDomain>, manage: bool, actions: Actions) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="sso-domains">
            <h2 id="sso-domains" class="font-medium">"Email domains"</h2>
            <p class=NOTE>
                "Sign-in is routed to your provider by the domain of a person's email. Prove you own a domain by publishing a TXT record at your DNS host, then verify it."
            </p>
            {if domains.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500 dark:text-slate-400">"No domains yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-200 dark:divide-slate-800" data-testid="sso-domains">
                        {domains.into_iter().map(|domain| view! { <DomainRow domain manage actions /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {manage.then(|| view! {
                <ActionForm action=actions.add_domain attr:class="mt-4 flex flex-wrap gap-2">
                    <label for="sso-domain" class="sr-only">"Domain to add"</label>
                    <input id="sso-domain" name="domain" required maxlength="253" placeholder="example.com" autocomplete="off"
                        class="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950" />
                    <button type="submit" class=BUTTON>"Add domain"</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn DomainRow(domain: SsoDomain, manage: bool, actions: Actions) -> impl IntoView {
    let id = domain.id.to_string();
    let (verify_id, remove_id) = (id.clone(), id);
    let verified = domain.verified.is_some();
    let name_id = format!("record-name-{}", domain.domain);
    let value_id = format!("record-value-{}", domain.domain);
    let remove_label = format!("Remove {}", domain.domain);
    view! {
        <li class="py-3" data-domain=domain.domain.clone()>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <p class="font-medium">{domain.domain.clone()}</p>
                {match domain.verified.clone() {
                    Some(at) => view! { <span class="rounded-full bg-emerald-100 px-2.5 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">"Verified " {at}</span> }.into_any(),
                    None => view! { <span class="rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">"Waiting for its TXT record"</span> }.into_any(),
                }}
            </div>
            {(!verified).then(|| view! {
                <div class="mt-2 grid gap-2 sm:grid-cols-2">
                    <div>
                        <label for=name_id.clone() class="text-xs text-slate-500 dark:text-slate-400">"TXT record name"</label>
                        <input id=name_id.clone() readonly value=domain.record_name.clone() class=format!("{FIELD} font-mono text-xs") />
                    </div>
                    <div>
                        <label for=value_id.clone() class="text-xs text-slate-500 dark:text-slate-400">"Value"</label>
                        <input id=value_id.clone() readonly value=domain.record_value.clone() class=format!("{FIELD} font-mono text-xs") data-testid="record-value" />
                    </div>
                </div>
            })}
            {manage.then(|| view! {
                <div class="mt-2 flex flex-wrap gap-2">
                    {(!verified).then(|| view! {
                        <ActionForm action=actions.verify_domain>
                            <input type="hidden" name="id" value=verify_id.clone() />
                            <button type="submit" class=PRIMARY>"Verify"</button>
                        </ActionForm>
                    })}
                    <ActionForm action=actions.remove_domain>
                        <input type="hidden" name="id" value=remove_id.clone() />
                        <button type="submit" class=BUTTON aria-label=remove_label.clone()>"Remove"</button>
                    </ActionForm>
                </div>
            })}
        </li>
    }
}
