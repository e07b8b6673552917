//! Sign-up, sign-in, sign-out and "who am I": thin transports over the backend.

use leptos::prelude::*;

use super::Viewer;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "auth/viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::backend::{self, session_cookie};

    backend::respond(
        async {
            match session_cookie::read() {
                Some(token) => backend::accounts()?.viewer(&token).await,
                None => Ok(None),
            }
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/sign_up")]
pub async fn sign_up(
    display_name: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::SignUpInput;
    use crate::backend::{self, session_cookie};

    let result = async {
        let input = SignUpInput::parse(&display_name, &email, password)?;
        let backend = backend::accounts()?;
        let session = backend.sign_up(input, &backend::client_info()).await?;
        session_cookie::start(&session, backend.secure_cookies(), next.as_deref());
        Ok(())
    }
    .await;
    backend::respond_to_form(
        result,
        &[("display_name", &display_name), ("email", &email)],
    )
}

#[server(prefix = "/api", endpoint = "auth/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::{Email, Password};
    use crate::backend::{self, SignInStep, session_cookie};

    let result = async {
        let parsed = Email::parse(&email)?;
        let password = Password::parse_existing(password)?;
        let backend = backend::accounts()?;
        let client = backend::client_info();
        let secure = backend.secure_cookies();
        match backend.sign_in(parsed, password, &client).await? {
            SignInStep::SignedIn(session) => {
                session_cookie::start(&session, secure, next.as_deref())
            }
            SignInStep::NeedsCode(challenge) => {
                session_cookie::await_code(&challenge, secure, next.as_deref());
            }
        }
        Ok(())
    }
    .await;
    backend::respond_to_form(result, &[("email", &email)])
}

/// The second step of a sign-in with two-factor: the code from the authenticator app
/// (or a recovery code) for the challenge the password step left in a cookie.
#[server(prefix = "/api", endpoint = "auth/sign_in_code")]
pub async fn sign_in_with_code(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};

    backend::respond(
        async {
            let challenge = session_cookie::challenge().ok_or_else(|| {
                AppError::Conflict(
                    "This sign-in has expired. Sign in again with your password.".into(),
                )
            })?;
            let secure = backend::accounts()?.secure_cookies();
            let session = backend::two_factor()?
                .complete_sign_in(&challenge, &code, &backend::client_info())
                .await?;
            session_cookie::clear_challenge(secure);
            session_cookie::start(&session, secure, next.as_deref());
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};

    backend::respond(
        async {
            let backend = backend::accounts()?;
            if let Some(token) = session_cookie::read() {
                backend.sign_out(&token).await?;
            }
            session_cookie::clear(backend.secure_cookies());
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}
