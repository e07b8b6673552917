use async_trait::async_trait;

use super::{ClientInfo, NewSession, SessionToken};
use crate::error::AppError;
use crate::profile::TwoFactorStatus;

/// Two-factor sign-in: enrolment from Settings → Profile and the code asked after the
/// password. Codes are an authenticator's six digits or a one-time recovery code.
#[async_trait]
pub trait TwoFactor: Send + Sync + 'static {
    async fn status(&self, token: &SessionToken) -> Result<TwoFactorStatus, AppError>;
    /// Makes a new secret to scan (replacing a set-up never finished).
    async fn start(&self, token: &SessionToken) -> Result<(), AppError>;
    /// Turns two-factor on with the first code from the app; makes recovery codes.
    async fn confirm(
        &self,
        token: &SessionToken,
        code: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// The person kept the fresh recovery codes: they are not shown again.
    async fn acknowledge_codes(&self, token: &SessionToken) -> Result<(), AppError>;
    /// Replaces every recovery code, given a current code.
    async fn renew_codes(
        &self,
        token: &SessionToken,
        code: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// Turns two-factor off, given a current code.
    async fn disable(
        &self,
        token: &SessionToken,
        code: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// Ends a sign-in that is waiting for its code (the `challenge` a password sign-in
    /// handed out): a session, or a refusal that counts toward the sign-in limits.
    async fn complete_sign_in(
        &self,
        challenge: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<NewSession, AppError>;
}
