//! Who is signed in, and the pages and server functions that sign people in and out.

mod credentials;
pub(crate) mod form_parts;
mod server_fns;
mod sign_in_page;
mod sign_up_page;
mod viewer;

pub use credentials::{Email, Password, SignUpInput};
pub use server_fns::{SignIn, SignOut, SignUp, get_viewer};
pub use sign_in_page::SignInPage;
pub use sign_up_page::SignUpPage;
pub use viewer::{Role, TeamRef, Viewer};
