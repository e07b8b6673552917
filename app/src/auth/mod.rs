//! Who is signed in, and the pages and server functions that sign people in and out and
//! get them back into their account.

mod change_email_page;
mod credentials;
mod email_change;
mod forgot_password_page;
pub(crate) mod form_parts;
mod identity_sign_in;
mod password_reset;
mod reset_password_page;
mod server_fns;
mod sign_in_page;
mod sign_up_page;
mod two_factor_page;
mod verification;
mod verify_email_page;
mod viewer;

pub use change_email_page::ChangeEmailPage;
pub use credentials::{Email, Password, SignUpInput};
pub use email_change::{ConfirmEmailChange, RequestEmailChange, email_change_link_is_live};
pub use forgot_password_page::ForgotPasswordPage;
pub use identity_sign_in::{IdentityButtons, identity_providers, refusal};
pub use password_reset::{RequestPasswordReset, ResetPassword, reset_link_is_live};
pub use reset_password_page::ResetPasswordPage;
pub use server_fns::{SignIn, SignInWithCode, SignOut, SignUp, get_viewer};
pub use sign_in_page::SignInPage;
pub use sign_up_page::SignUpPage;
pub use two_factor_page::TwoFactorPage;
pub use verification::{ResendVerification, VerifyEmail, verify_link_is_live};
pub use verify_email_page::VerifyEmailPage;
pub use viewer::{Role, TeamRef, Viewer};
