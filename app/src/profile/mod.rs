//! Settings → Profile: display name, password, active sessions, data export and account
//! deletion.

mod profile_page;
mod server_fns;
mod sessions_card;
mod types;

pub use profile_page::ProfilePage;
pub(crate) use profile_page::ProfileSettings;
pub use server_fns::{
    ChangePassword, DeleteAccount, EndOtherSessions, EndSession, UpdateProfile, list_sessions,
};
pub use types::ActiveSession;
