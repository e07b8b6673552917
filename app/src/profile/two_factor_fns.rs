//! Two-factor set-up in Settings → Profile: thin transports over the backend. Each acts
//! for the person of the session cookie, never a team.

use leptos::prelude::*;

use super::TwoFactorStatus;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "profile/two_factor")]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::two_factor()?.status(&token).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/two_factor/start")]
pub async fn start_two_factor() -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::two_factor()?.start(&token).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/two_factor/confirm")]
pub async fn confirm_two_factor(code: String) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::two_factor()?
                .confirm(&token, &code, &backend::client_info())
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/two_factor/saved_codes")]
pub async fn acknowledge_recovery_codes() -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::two_factor()?.acknowledge_codes(&token).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/two_factor/renew_codes")]
pub async fn renew_recovery_codes(code: String) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::two_factor()?
                .renew_codes(&token, &code, &backend::client_info())
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/two_factor/disable")]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond_in_place(
        "two-factor-off",
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::two_factor()?
                .disable(&token, &code, &backend::client_info())
                .await
        }
        .await,
    )
}
