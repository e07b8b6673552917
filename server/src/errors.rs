//! The server's one error type. Services return [`ServerError`], with `?` on database,
//! Redis and application errors alike; it becomes the client's [`AppError`] once, where
//! the request is answered (`From<ServerError> for AppError`), and that is where the
//! cause chain is logged — inside the request's span, so with its request id. The
//! client never sees database or Redis text.

use app::error::AppError;

use crate::accounts::passwords::HashError;
use crate::db::tenant;
use crate::redis_client::RedisClientError;
use crate::secrets::SecretError;

/// What a request that needed the database says while it cannot be reached.
pub const DATABASE_DOWN: &str = "The service is briefly unavailable (its database cannot be reached). Please retry in a few seconds.";

const SESSIONS_DOWN: &str =
    "Signing in is unavailable for a moment (session store unreachable). Please try again shortly.";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// An answer for the client as it is: invalid input, not found, forbidden…
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database")]
    Database(#[from] sqlx::Error),
    /// Redis, which holds sessions and sign-in counters.
    #[error("session store")]
    Sessions(#[from] RedisClientError),
    #[error("hashing a password")]
    Hashing(#[from] HashError),
    #[error("sealing or opening a secret")]
    Secret(#[from] SecretError),
    #[error("reading stored JSON")]
    Json(#[from] serde_json::Error),
    /// Any other failure of ours, with what we were doing.
    #[error("{doing}")]
    Other {
        doing: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ServerError {
    /// A failure that is not the database's or Redis's, named for what failed.
    pub fn other(
        doing: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Other {
            doing,
            source: source.into(),
        }
    }
}

impl From<ServerError> for AppError {
    fn from(error: ServerError) -> AppError {
        match error {
            ServerError::App(answer) => answer,
            ServerError::Database(error) => from_database(error),
            ServerError::Sessions(error) => {
                tracing::error!(error = %chain(&error), "session store unavailable");
                AppError::Unavailable(SESSIONS_DOWN.into())
            }
            error @ (ServerError::Hashing(_)
            | ServerError::Secret(_)
            | ServerError::Json(_)
            | ServerError::Other { .. }) => {
                tracing::error!(error = %chain(&error), "internal error");
                AppError::Internal
            }
        }
    }
}

/// A database failure as the client sees it. An unreachable database is not a bug in
/// the request: 503 with Retry-After, so clients and load balancers retry. A unique
/// constraint the client can break (a taken email, name or slug) names its field.
fn from_database(error: sqlx::Error) -> AppError {
    if tenant::unavailable(&error) {
        tracing::warn!(%error, "database unavailable");
        return AppError::Unavailable(DATABASE_DOWN.into());
    }
    if let Some(answer) = error
        .as_database_error()
        .filter(|db| db.is_unique_violation())
        .and_then(|db| db.constraint())
        .and_then(taken)
    {
        return answer;
    }
    tracing::error!(error = %chain(&error), "internal error");
    AppError::Internal
}

/// The unique constraints a request can run into, by name: the field the client should
/// change (422), or none for a conflict with what exists (409), and what to tell them.
/// Any other violation is our bug: 500, logged. (A test checks each name exists.)
pub const UNIQUE_CONSTRAINTS: [(&str, Option<&str>, &str); 7] = [
    (
        "users_email_key",
        Some("email"),
        "An account with this email exists already.",
    ),
    (
        "team_secrets_team_id_name_key",
        Some("name"),
        "The team has a secret of this name already.",
    ),
    (
        "templates_slug_key",
        Some("slug"),
        "This address is taken; pick another.",
    ),
    (
        "templates_agent_idx",
        None,
        "This agent is published as a template already.",
    ),
    (
        "reviews_template_id_user_id_key",
        None,
        "You have reviewed this template already.",
    ),
    (
        "purchases_one_per_team_idx",
        None,
        "Your team has bought this template already.",
    ),
    (
        "team_members_pkey",
        None,
        "They are a member of this team already.",
    ),
];

fn taken(constraint: &str) -> Option<AppError> {
    let (_, field, message) = UNIQUE_CONSTRAINTS
        .iter()
        .find(|(name, _, _)| *name == constraint)?;
    Some(match field {
        Some(field) => AppError::invalid(field, *message),
        None => AppError::Conflict((*message).to_owned()),
    })
}

/// An error and its causes on one line, outermost first.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(error: impl Into<ServerError>) -> AppError {
        AppError::from(error.into())
    }

    #[test]
    fn an_unreachable_database_is_unavailable_not_internal() {
        assert_eq!(answer(sqlx::Error::PoolTimedOut).status(), 503);
        assert_eq!(answer(sqlx::Error::RowNotFound).status(), 500);
        assert_eq!(
            answer(ServerError::other("testing", "some other failure")).status(),
            500
        );
    }

    #[test]
    fn answers_pass_through_unchanged() {
        assert_eq!(answer(AppError::NotFound), AppError::NotFound);
    }

    #[test]
    fn the_chain_names_every_cause() {
        let error = ServerError::other("reading the stored spec", "bad YAML");
        assert_eq!(chain(&error), "reading the stored spec: bad YAML");
    }
}
