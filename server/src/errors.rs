//! Mapping the server's own failures onto the application error: the cause is logged
//! here, the client sees only a generic message (and the request id in the headers).

use std::any::Any;

use app::error::AppError;

use crate::db::tenant;

/// What a request that needed the database says while it cannot be reached.
pub const DATABASE_DOWN: &str = "The service is briefly unavailable (its database cannot be reached). Please retry in a few seconds.";

/// A failure on our side. A database that cannot be reached is not a bug in the
/// request: that becomes [`AppError::Unavailable`] (503 with Retry-After) so clients
/// and load balancers retry, instead of a 500.
pub fn internal<E: std::fmt::Display + 'static>(error: E) -> AppError {
    if (&error as &dyn Any)
        .downcast_ref::<sqlx::Error>()
        .is_some_and(tenant::unavailable)
    {
        tracing::warn!(%error, "database unavailable");
        return AppError::Unavailable(DATABASE_DOWN.into());
    }
    tracing::error!(%error, "internal error");
    AppError::Internal
}

pub fn redis_down(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "session store unavailable");
    AppError::Unavailable(
        "Signing in is unavailable for a moment (session store unreachable). Please try again shortly."
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_unavailable_not_internal() {
        assert_eq!(internal(sqlx::Error::PoolTimedOut).status(), 503);
        assert_eq!(internal(sqlx::Error::RowNotFound).status(), 500);
        assert_eq!(internal("some other failure").status(), 500);
    }
}
