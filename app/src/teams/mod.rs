//! Teams: the team settings page, invitation links, the team switcher and the audit log.

mod audit_log_page;
mod invite_page;
mod server_fns;
mod settings_layout;
mod team_page;
mod team_switcher;
mod types;

pub use audit_log_page::AuditLogPage;
pub use invite_page::InvitePage;
pub use server_fns::{
    AcceptInvitation, ChangeRole, CreateInvitation, EmailInvitation, LeaveTeam, RemoveMember,
    RenameTeam, RequireTwoFactor, RevokeInvitation, SwitchTeam, audit_log, get_invitation,
    get_team_overview,
};
pub use settings_layout::SettingsLayout;
pub use team_page::TeamPage;
pub use team_switcher::TeamSwitcher;
pub use types::*;
