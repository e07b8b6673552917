//! Settings → Profile: display name, email address, password, two-factor sign-in, active sessions, data export and account
//! deletion.

mod email_card;
mod identities_card;
mod profile_page;
mod server_fns;
mod sessions_card;
mod two_factor_card;
mod two_factor_fns;
mod types;

pub use profile_page::ProfilePage;
pub use server_fns::{
    ChangePassword, DeleteAccount, EndOtherSessions, EndSession, UnlinkIdentity, UpdateProfile,
    linked_identities, list_sessions,
};
pub use two_factor_fns::{
    AcknowledgeRecoveryCodes, ConfirmTwoFactor, DisableTwoFactor, RenewRecoveryCodes,
    StartTwoFactor, get_two_factor,
};
pub use types::{
    ActiveSession, EmailChange, IdentityProvider, LinkedIdentity, TwoFactorEnrolment,
    TwoFactorStatus,
};
