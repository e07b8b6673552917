//! Settings → Profile: display name, password, data export and account deletion.

mod profile_page;
mod server_fns;

pub use profile_page::ProfilePage;
pub(crate) use profile_page::ProfileSettings;
pub use server_fns::{ChangePassword, DeleteAccount, UpdateProfile};
