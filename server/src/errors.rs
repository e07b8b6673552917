//! Mapping the server's own failures onto the application error: the cause is logged
//! here, the client sees only a generic message (and the request id in the headers).

use app::error::AppError;

pub fn internal(error: impl std::fmt::Display) -> AppError {
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
