//! Email verification: the link's page confirms with a POST (mail scanners only GET),
//! and the banner in the app sends the link again. Thin transports over the backend.

use leptos::prelude::*;

use crate::error::AppError;

/// Sends the verification link again to the signed-in person; the page after says so.
#[server(prefix = "/api", endpoint = "auth/resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};

    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?
                .resend_verification(&token, &backend::client_info())
                .await?;
            leptos_axum::redirect("/verify-email?sent=1");
            Ok(())
        }
        .await,
    )
}

/// Whether a verification link can still be used.
#[server(prefix = "/api", endpoint = "auth/verify_link")]
pub async fn verify_link_is_live(token: String) -> Result<bool, AppError> {
    use crate::backend;

    backend::respond(backend::accounts()?.verify_link_is_live(&token).await)
}

#[server(prefix = "/api", endpoint = "auth/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::backend;

    let result = async {
        backend::accounts()?
            .verify_email(&token, &backend::client_info())
            .await?;
        leptos_axum::redirect("/verify-email?done=1");
        Ok(())
    }
    .await;
    backend::respond_to_form(result, &[])
}
