//! Forgotten passwords: ask for a link by email, then choose a new password on the page
//! the link opens. The link's GET only shows a form (mail scanners follow links); the
//! POST spends it. Thin transports over the backend, as the other auth forms are.

use leptos::prelude::*;

use crate::error::AppError;

/// Sends a reset link if the address has an account; answers the same either way.
#[server(prefix = "/api", endpoint = "auth/request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use super::Email;
    use crate::backend;

    let result = async {
        let parsed = Email::parse(&email)?;
        backend::accounts()?
            .request_password_reset(parsed, &backend::client_info())
            .await?;
        leptos_axum::redirect("/forgot-password?sent=1");
        Ok(())
    }
    .await;
    backend::respond_to_form(result, &[("email", &email)])
}

/// Whether a reset link can still be used (unknown, used and expired ones cannot).
#[server(prefix = "/api", endpoint = "auth/reset_link")]
pub async fn reset_link_is_live(token: String) -> Result<bool, AppError> {
    use crate::backend;

    backend::respond(backend::accounts()?.reset_link_is_live(&token).await)
}

/// Spends the link: the new password, every session ended, then sign in again.
#[server(prefix = "/api", endpoint = "auth/reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use super::Password;
    use crate::backend;

    let result = async {
        let password = Password::parse_new(password)?;
        backend::accounts()?
            .reset_password(&token, password, &backend::client_info())
            .await?;
        leptos_axum::redirect("/signin?reset=1");
        Ok(())
    }
    .await;
    backend::respond_to_form(result, &[])
}
