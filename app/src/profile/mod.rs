//! Settings → Profile: display name, password, data export and account deletion.

mod profile_page;
mod server_fns;

pub use profile_page::ProfilePage;
pub use server_fns::{ChangePassword, DeleteAccount, UpdateProfile};
