//! Moving an account to a new email address: the request from Settings → Profile, and
//! the page the link to the new address opens (it confirms with a POST: mail scanners
//! only GET). Thin transports over the backend.

use leptos::prelude::*;

use crate::error::AppError;
use crate::profile::EmailChange;

#[server(prefix = "/api", endpoint = "profile/email")]
pub async fn request_email_change(
    email: String,
    current_password: String,
) -> Result<EmailChange, AppError> {
    use super::{Email, Password};
    use crate::backend::{self, session_cookie};

    let result = async {
        let new = Email::parse(&email)?;
        let password = Password::parse_existing(current_password)
            .map_err(|e| AppError::invalid("current_password", e.to_string()))?;
        let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
        backend::accounts()?
            .request_email_change(&token, new, password, &backend::client_info())
            .await
    }
    .await;
    // Said once on the page the form's post comes back to.
    if let Ok(change) = &result {
        backend::flash::keep("email-change", change);
    }
    backend::respond_to_form(result, &[("email", &email)])
}

/// Whether a new-address link can still be used.
#[server(prefix = "/api", endpoint = "auth/change_email_link")]
pub async fn email_change_link_is_live(token: String) -> Result<bool, AppError> {
    use crate::backend;

    backend::respond(backend::accounts()?.email_change_link_is_live(&token).await)
}

#[server(prefix = "/api", endpoint = "auth/change_email")]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    use crate::backend;

    let result = async {
        backend::accounts()?
            .confirm_email_change(&token, &backend::client_info())
            .await?;
        leptos_axum::redirect("/change-email?done=1");
        Ok(())
    }
    .await;
    backend::respond_to_form(result, &[])
}
