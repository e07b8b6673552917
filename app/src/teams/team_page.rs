use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    ChangeRole, CreateInvitation, EmailInvitation, LeaveTeam, Member, PendingInvitation,
    RemoveMember, RenameTeam, RequireTwoFactor, RevokeInvitation, TeamOverview, get_team_overview,
};
use crate::auth::Role;
use crate::auth::form_parts::FormAlert;
use crate::components::shown_once;
use crate::error::AppError;
use crate::islands::CopyButton;

const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
const PRIMARY: &str =
    "rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500";
const FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const CARD: &str =
    "rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";

/// The error of whichever action ran last, for one alert above the page.
fn last_error<A>(actions: Vec<Signal<Option<Result<A, AppError>>>>) -> Signal<Option<AppError>>
where
    A: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        actions
            .iter()
            .find_map(|value| value.get().and_then(Result::err))
    })
}

/// Settings → Team: rename, members and their roles, invitation links, leaving.
/// Server-rendered, every form a plain post that comes back to the page; a new
/// invitation link comes back once (`shown_once`), and only its copy button ships code.
#[component]
pub fn TeamPage() -> impl IntoView {
    let rename = ServerAction::<RenameTeam>::new();
    let invite = ServerAction::<CreateInvitation>::new();
    let email_invite = ServerAction::<EmailInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let leave = ServerAction::<LeaveTeam>::new();
    let two_factor = ServerAction::<RequireTwoFactor>::new();
    let overview = Resource::new(|| (), |_| get_team_overview());
    let unit_errors = last_error(vec![
        rename.value().into(),
        revoke.value().into(),
        change_role.value().into(),
        remove.value().into(),
        leave.value().into(),
        two_factor.value().into(),
    ]);
    let invite_error = Signal::derive(move || {
        let emailed = email_invite.value().get().and_then(Result::err);
        invite.value().get().and_then(Result::err).or(emailed)
    });
    let error = Signal::derive(move || unit_errors.get().or(invite_error.get()));
    let actions = Actions {
        rename,
        invite,
        email_invite,
        revoke,
        change_role,
        remove,
        leave,
        two_factor,
    };

    view! {
        <Title text="Team settings" />
        <FormAlert error />
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the team…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(team) => view! { <TeamDetails team actions /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    rename: ServerAction<RenameTeam>,
    invite: ServerAction<CreateInvitation>,
    email_invite: ServerAction<EmailInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    change_role: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
    leave: ServerAction<LeaveTeam>,
    two_factor: ServerAction<RequireTwoFactor>,
}

#[component]
fn TeamDetails(team: TeamOverview, actions: Actions) -> impl IntoView {
    let is_admin = team.my_role >= Role::Admin;
    let me = team.my_user_id;
    let my_role = team.my_role;
    view! {
        <div class="space-y-6">
            <section class=CARD aria-labelledby="team-name">
                <h2 id="team-name" class="font-medium">"Team name"</h2>
                {if is_admin {
                    view! {
                        <ActionForm action=actions.rename attr:class="mt-3 flex flex-wrap gap-2">
                            <label for="name" class="sr-only">"Team name"</label>
                            <input id="name" name="name" value=team.name.clone() required maxlength="100" class=format!("{FIELD} min-w-0 flex-1") />
                            <button type="submit" class=BUTTON>"Rename"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <p class="mt-2">{team.name.clone()}</p> }.into_any()
                }}
            </section>

            <section class=CARD aria-labelledby="members">
                <h2 id="members" class="font-medium">"Members"</h2>
                <ul class="mt-3 divide-y divide-slate-200 dark:divide-slate-800" data-testid="members">
                    {team.members.into_iter().map(|member| view! {
                        <MemberRow member me my_role actions />
                    }).collect_view()}
                </ul>
            </section>

            <TwoFactorPolicy required=team.require_two_factor is_owner=my_role == Role::Owner action=actions.two_factor />

            {is_admin.then(|| view! { <Invitations pending=team.invitations actions my_role /> })}

            <section class=CARD aria-labelledby="leave">
                <h2 id="leave" class="font-medium">"Leave this team"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"You lose access to its agents and runs. An owner can invite you back."</p>
                <ActionForm action=actions.leave attr:class="mt-3">
                    <button type="submit" class="rounded-md border border-rose-300 px-3 py-1.5 text-sm text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">
                        "Leave team"
                    </button>
                </ActionForm>
            </section>
        </div>
    }
}

/// Whether members must sign in with a second factor: owners change it, everyone sees it.
#[component]
fn TwoFactorPolicy(
    required: bool,
    is_owner: bool,
    action: ServerAction<RequireTwoFactor>,
) -> impl IntoView {
    let (state, button) = if required {
        (
            "Members must sign in with two-factor. Members without it can open only their profile until they turn it on.",
            "Stop requiring two-factor",
        )
    } else {
        (
            "Members may sign in with a password alone.",
            "Require two-factor for every member",
        )
    };
    view! {
        <section class=CARD aria-labelledby="team-two-factor">
            <h2 id="team-two-factor" class="font-medium">"Two-factor sign-in"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{state}</p>
            {is_owner.then(|| view! {
                <ActionForm action attr:class="mt-3">
                    <input type="hidden" name="required" value=(!required).to_string() />
                    <button type="submit" class=BUTTON>{button}</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn MemberRow(member: Member, me: uuid::Uuid, my_role: Role, actions: Actions) -> impl IntoView {
    // Admins manage members and admins; owners manage everyone; nobody edits themselves here.
    let manageable = member.user_id != me
        && my_role >= Role::Admin
        && (member.role != Role::Owner || my_role == Role::Owner);
    let grantable: Vec<Role> = [Role::Member, Role::Admin, Role::Owner]
        .into_iter()
        .filter(|r| *r != Role::Owner || my_role == Role::Owner)
        .collect();
    let user_id = member.user_id.to_string();
    let select_id = format!("role-{user_id}");
    let role_label = format!("Role of {}", member.display_name);
    let remove_label = format!("Remove {}", member.display_name);
    let current_role = member.role;
    let (role_user_id, remove_user_id) = (user_id.clone(), user_id);
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 py-3">
            <div class="min-w-0">
                <p class="truncate font-medium">{member.display_name.clone()}</p>
                <p class="truncate text-sm text-slate-500 dark:text-slate-400">
                    {member.email.clone()}" · joined "{member.joined.clone()}
                    {if member.two_factor { " · two-factor on" } else { " · no two-factor" }}
                </p>
            </div>
            {if manageable {
                view! {
                    <div class="flex flex-wrap items-center gap-2">
                        <ActionForm action=actions.change_role attr:class="flex gap-2">
                            <input type="hidden" name="user_id" value=role_user_id.clone() />
                            <label class="sr-only" for=select_id.clone()>{role_label.clone()}</label>
                            <select id=select_id.clone() name="role" class=FIELD>
                                {grantable.iter().map(|role| view! {
                                    <option value=role.as_str() selected=*role == current_role>{role.as_str()}</option>
                                }).collect_view()}
                            </select>
                            <button type="submit" class=BUTTON>"Change role"</button>
                        </ActionForm>
                        <ActionForm action=actions.remove>
                            <input type="hidden" name="user_id" value=remove_user_id.clone() />
                            <button type="submit" class=BUTTON aria-label=remove_label.clone()>"Remove"</button>
                        </ActionForm>
                    </div>
                }.into_any()
            } else {
                view! { <span class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium dark:bg-slate-800">{member.role.as_str()}</span> }.into_any()
            }}
        </li>
    }
}

#[component]
fn Invitations(pending: Vec<PendingInvitation>, actions: Actions, my_role: Role) -> impl IntoView {
    let link = shown_once::<String>("invitation-link");
    let emailed = shown_once::<String>("invitation-sent");
    let roles = move || {
        view! {
            <option value="member">"member"</option>
            <option value="admin">"admin"</option>
            {(my_role == Role::Owner).then(|| view! { <option value="owner">"owner"</option> })}
        }
    };
    view! {
        <section class=CARD aria-labelledby="invite">
            <h2 id="invite" class="font-medium">"Invite people"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Create a link to send yourself, or have us email it. Either works once and expires in 7 days."</p>
            <ActionForm action=actions.invite attr:class="mt-3 flex flex-wrap gap-2">
                <label for="invite-role" class="sr-only">"Role"</label>
                <select id="invite-role" name="role" class=FIELD>{roles()}</select>
                <button type="submit" class=PRIMARY>"Create invitation link"</button>
            </ActionForm>
            <ActionForm action=actions.email_invite attr:class="mt-3 flex flex-wrap gap-2">
                <label for="invite-email" class="sr-only">"Email address"</label>
                <input id="invite-email" name="email" type="email" required placeholder="name@example.com" autocomplete="off" class=format!("{FIELD} min-w-0 basis-full sm:basis-0 sm:flex-1") />
                <label for="invite-email-role" class="sr-only">"Role of the emailed invitation"</label>
                <select id="invite-email-role" name="role" class=FIELD>{roles()}</select>
                <button type="submit" class=BUTTON>"Email the invitation"</button>
            </ActionForm>
            {emailed.map(|address| view! {
                <p role="status" class="mt-3 rounded-md bg-emerald-50 p-3 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
                    "Invitation sent to " <strong>{address}</strong> ". It works once and expires in 7 days."
                </p>
            })}
            {link.map(|path| view! {
                <div class="mt-3 rounded-md bg-emerald-50 p-3 text-sm dark:bg-emerald-950">
                    <label for="invite-link" class="font-medium text-emerald-800 dark:text-emerald-200">"Invitation link (shown once)"</label>
                    <div class="mt-1 flex gap-2">
                        <input id="invite-link" readonly value=path class=format!("{FIELD} min-w-0 flex-1 font-mono text-xs") data-testid="invite-link" />
                        <CopyButton field="invite-link" label="Copy the invitation link" />
                    </div>
                </div>
            })}
            <h3 class="mt-5 text-sm font-medium">"Open invitations"</h3>
            {if pending.is_empty() {
                view! { <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 space-y-2">
                        {pending.into_iter().map(|invitation| view! {
                            <li class="flex flex-wrap items-center justify-between gap-2 text-sm">
                                <span>
                                    {invitation.email.map(|email| view! { <strong>{email}</strong> " · " })}
                                    {invitation.role.as_str()}" · by "{invitation.invited_by}" · expires "{invitation.expires}
                                </span>
                                <ActionForm action=actions.revoke>
                                    <input type="hidden" name="id" value=invitation.id.to_string() />
                                    <button type="submit" class=BUTTON>"Revoke"</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
