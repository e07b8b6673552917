//! Profile operations: thin transports over the backend.

use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/api", endpoint = "profile/update")]
pub async fn update_profile(display_name: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond_in_place(
        "profile-name",
        async {
            let name = display_name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(AppError::invalid(
                    "display_name",
                    "Names are 1 to 100 characters.",
                ));
            }
            backend::accounts()?
                .update_profile(&backend::actor().await?, name)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::auth::Password;
    use crate::backend::{self, session_cookie};
    backend::respond_in_place(
        "password-changed",
        async {
            let current = Password::parse_existing(current_password)
                .map_err(|e| AppError::invalid("current_password", e.to_string()))?;
            let new = Password::parse_new(new_password)
                .map_err(|e| AppError::invalid("new_password", e.to_string()))?;
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?
                .change_password(&token, current, new)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/delete")]
pub async fn delete_account(confirmation: String) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    let result: Result<(), AppError> = async {
        let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
        let backend = backend::accounts()?;
        backend.delete_account(&token, confirmation.trim()).await?;
        session_cookie::clear(backend.secure_cookies());
        leptos_axum::redirect("/");
        Ok(())
    }
    .await;
    // A mistyped confirmation comes back to be corrected, not typed again.
    backend::respond_to_form(result, &[("confirmation", &confirmation)])
}

#[server(prefix = "/api", endpoint = "profile/sessions")]
pub async fn list_sessions() -> Result<Vec<super::ActiveSession>, AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?.sessions(&token).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/end_session")]
pub async fn end_session(id: String) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?
                .end_session(&token, &id, &backend::client_info())
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?
                .end_other_sessions(&token, &backend::client_info())
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/identities")]
pub async fn linked_identities() -> Result<Vec<super::LinkedIdentity>, AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?.linked_identities(&token).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "profile/unlink_identity")]
pub async fn unlink_identity(id: uuid::Uuid) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?
                .unlink_identity(&token, id, &backend::client_info())
                .await
        }
        .await,
    )
}
