//! Two-factor sign-in with an authenticator app (TOTP, RFC 6238). Settings → Profile
//! starts the set-up (a secret sealed at rest, shown as a QR code) and the first code
//! turns it on, with ten one-time recovery codes. From then on a right password leads to
//! a short-lived challenge ([`challenge`]) that a code completes. Each code works once
//! (the last accepted time step is kept), wrong codes count toward the sign-in limits,
//! and turning it off or making new recovery codes needs a current code. Every change
//! is in the audit log of each of the person's teams.

mod challenge;
mod codes;
mod store;

use std::time::{SystemTime, UNIX_EPOCH};

use app::backend::{Challenge, ClientInfo, NewSession, SessionToken, SignInStep};
use app::error::AppError;
use app::profile::{TwoFactorEnrolment, TwoFactorStatus};
use async_trait::async_trait;
use serde_json::json;
use totp_rs::Totp;
use uuid::Uuid;

use super::{AccountsService, attempts, record_in_each_team, store as accounts_store};
use crate::db::tenant::{self, Tenant, Tx};
use crate::errors::ServerError;
use crate::secrets::Sealed;
use codes::Code;
pub use store::{is_enabled, owed_to, remove};

const WRONG_CODE: &str =
    "That code is not right. Use the newest code from your app, or one of your recovery codes.";

/// How a code was accepted.
#[derive(PartialEq)]
enum Accepted {
    Authenticator,
    RecoveryCode,
}

impl AccountsService {
    /// The challenge a right password leads to when the account uses two-factor.
    pub(super) async fn challenge(
        &self,
        user_id: Uuid,
        team_id: Uuid,
        email: &str,
    ) -> Result<SignInStep, ServerError> {
        let pending = challenge::Pending {
            user_id,
            team_id,
            email: email.to_owned(),
        };
        let token = challenge::create(&self.cache, &pending).await?;
        Ok(SignInStep::NeedsCode(Challenge {
            token,
            max_age_secs: challenge::LIFETIME.as_secs(),
        }))
    }

    pub async fn two_factor_status(
        &self,
        token: &SessionToken,
    ) -> Result<TwoFactorStatus, ServerError> {
        let (mut tx, user_id, email) = self.person(token).await?;
        let row = store::secret_of(&mut tx, user_id).await?;
        let recovery_codes_left = store::codes_left(&mut tx, user_id).await?;
        let required_by = store::required_by(&mut tx, user_id).await?;
        tenant::done_reading(tx);
        let mut status = TwoFactorStatus {
            recovery_codes_left,
            required_by,
            ..TwoFactorStatus::default()
        };
        let Some(row) = row else {
            return Ok(status);
        };
        if row.enabled {
            status.enabled = true;
            if let Some(sealed) = row.fresh_codes {
                let codes = self.keyring.open_text(user_id, &sealed)?;
                status.fresh_codes = codes.lines().map(str::to_owned).collect();
            }
        } else {
            let totp = self.authenticator(user_id, &row.secret, &email)?;
            status.pending = Some(TwoFactorEnrolment {
                qr_svg: codes::qr_svg(&totp).ok_or_else(|| {
                    ServerError::other("drawing the QR code", "no otpauth address")
                })?,
                secret: codes::typeable(&totp),
            });
        }
        Ok(status)
    }

    pub async fn start_two_factor(&self, token: &SessionToken) -> Result<(), ServerError> {
        let (mut tx, user_id, _) = self.person(token).await?;
        let sealed = self.keyring.seal(user_id, &codes::new_secret())?;
        if !store::begin(&mut tx, user_id, &sealed).await? {
            return Err(AppError::Conflict("Two-factor sign-in is already on.".into()).into());
        }
        Ok(tx.commit().await?)
    }

    pub async fn confirm_two_factor(
        &self,
        token: &SessionToken,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let (mut tx, user_id, email) = self.person(token).await?;
        let row = store::secret_of(&mut tx, user_id).await?;
        let Some(row) = row.filter(|row| !row.enabled) else {
            return Err(AppError::Conflict(
                "There is no set-up to confirm: start it again from Settings → Profile.".into(),
            )
            .into());
        };
        let Some(Code::Totp(digits)) = Code::parse(typed) else {
            return Err(AppError::invalid(
                "code",
                "Enter the six digits your authenticator app shows.",
            )
            .into());
        };
        let totp = self.authenticator(user_id, &row.secret, &email)?;
        if !spend_totp(&mut tx, user_id, &totp, &digits).await? {
            return Err(AppError::invalid(
                "code",
                "That code is not right. Check that your phone's clock is set automatically, and enter the newest code.",
            )
            .into());
        }
        store::enable(&mut tx, user_id).await?;
        self.new_recovery_codes(&mut tx, user_id).await?;
        record_in_each_team(
            &mut tx,
            user_id,
            "user.two_factor_enabled",
            json!({}),
            client.ip,
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn acknowledge_recovery_codes(
        &self,
        token: &SessionToken,
    ) -> Result<(), ServerError> {
        let (mut tx, user_id, _) = self.person(token).await?;
        store::forget_fresh_codes(&mut tx, user_id).await?;
        Ok(tx.commit().await?)
    }

    pub async fn renew_recovery_codes(
        &self,
        token: &SessionToken,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let (mut tx, user_id, email) = self.person(token).await?;
        self.require_code(&mut tx, user_id, &email, typed, client)
            .await?;
        self.new_recovery_codes(&mut tx, user_id).await?;
        record_in_each_team(
            &mut tx,
            user_id,
            "user.recovery_codes_renewed",
            json!({}),
            client.ip,
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn disable_two_factor(
        &self,
        token: &SessionToken,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let (mut tx, user_id, email) = self.person(token).await?;
        if let Some(team) = store::required_by(&mut tx, user_id).await? {
            return Err(AppError::Conflict(format!(
                "{team} requires two-factor sign-in, so it stays on while you are a member."
            ))
            .into());
        }
        self.require_code(&mut tx, user_id, &email, typed, client)
            .await?;
        store::remove(&mut tx, user_id).await?;
        record_in_each_team(
            &mut tx,
            user_id,
            "user.two_factor_disabled",
            json!({}),
            client.ip,
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn complete_sign_in(
        &self,
        challenge_token: &str,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<NewSession, ServerError> {
        let Some(pending) = challenge::find(&self.cache, challenge_token).await? else {
            return Err(AppError::Conflict(
                "This sign-in has expired. Sign in again with your password.".into(),
            )
            .into());
        };
        let mut tx = tenant::begin(&self.db, Tenant::user(pending.user_id)).await?;
        let accepted = self
            .require_code(&mut tx, pending.user_id, &pending.email, typed, client)
            .await;
        let accepted = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                drop(tx);
                challenge::wrong_code(&self.cache, challenge_token).await?;
                return Err(error);
            }
        };
        if accepted == Accepted::RecoveryCode {
            let detail =
                json!({ "codes_left": store::codes_left(&mut tx, pending.user_id).await? });
            record_in_each_team(
                &mut tx,
                pending.user_id,
                "user.recovery_code_used",
                detail,
                client.ip,
            )
            .await?;
        }
        tx.commit().await?;
        challenge::finish(&self.cache, challenge_token).await?;
        attempts::SIGN_IN_FAILURES
            .reset(&self.cache, &pending.email)
            .await?;
        Ok(self
            .sessions
            .create(&self.cache, pending.user_id, pending.team_id, client)
            .await?)
    }

    /// A current code of the person's, or a refusal: past the sign-in limits (429), or
    /// wrong (422, counted toward those limits and in the audit log).
    async fn require_code(
        &self,
        tx: &mut Tx,
        user_id: Uuid,
        email: &str,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<Accepted, ServerError> {
        if let Some(retry_after_secs) = attempts::SIGN_IN_FAILURES
            .check(&self.cache, email, client.ip)
            .await?
        {
            return Err(AppError::RateLimited { retry_after_secs }.into());
        }
        let row = store::secret_of(tx, user_id)
            .await?
            .filter(|row| row.enabled)
            .ok_or_else(|| AppError::Conflict("Two-factor sign-in is not on.".into()))?;
        let accepted = match Code::parse(typed) {
            Some(Code::Totp(digits)) => {
                let totp = self.authenticator(user_id, &row.secret, email)?;
                spend_totp(tx, user_id, &totp, &digits)
                    .await?
                    .then_some(Accepted::Authenticator)
            }
            Some(Code::Recovery(code)) => {
                let digest = codes::recovery_digest(&code);
                store::spend_recovery_code(tx, user_id, &digest)
                    .await?
                    .then_some(Accepted::RecoveryCode)
            }
            None => None,
        };
        if let Some(accepted) = accepted {
            return Ok(accepted);
        }
        attempts::SIGN_IN_FAILURES
            .record(&self.cache, email, client.ip)
            .await?;
        self.record(user_id, "user.two_factor_failed", client)
            .await?;
        Err(AppError::invalid("code", WRONG_CODE).into())
    }

    /// Ten new recovery codes replace the old ones, kept sealed to show until the
    /// person says they saved them.
    async fn new_recovery_codes(&self, tx: &mut Tx, user_id: Uuid) -> Result<(), ServerError> {
        let fresh = codes::new_recovery_codes();
        let digests: Vec<Vec<u8>> = fresh
            .iter()
            .filter_map(|code| match Code::parse(code) {
                Some(Code::Recovery(normalised)) => Some(codes::recovery_digest(&normalised)),
                _ => None,
            })
            .collect();
        let shown = self.keyring.seal_text(user_id, &fresh.join("\n"))?;
        Ok(store::replace_codes(tx, user_id, &digests, &shown).await?)
    }

    fn authenticator(
        &self,
        user_id: Uuid,
        sealed: &Sealed,
        email: &str,
    ) -> Result<Totp, ServerError> {
        let secret = self.keyring.open(user_id, sealed)?;
        codes::authenticator(&secret, email)
            .ok_or_else(|| ServerError::other("reading a two-factor secret", "not a valid secret"))
    }

    /// The signed-in person: a transaction as them, their id and email.
    async fn person(&self, token: &SessionToken) -> Result<(Tx, Uuid, String), ServerError> {
        let session = self.signed_in(token).await?;
        let mut tx = tenant::begin(&self.db, Tenant::user(session.user_id)).await?;
        let user = accounts_store::user_by_id(&mut tx, session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok((tx, user.id, user.email))
    }
}

/// Whether `digits` is the app's code around now for a step not used before (which is
/// then marked used).
async fn spend_totp(
    tx: &mut Tx,
    user_id: Uuid,
    totp: &Totp,
    digits: &str,
) -> Result<bool, sqlx::Error> {
    match totp.check(digits, now()) {
        Some(step) => store::spend_step(tx, user_id, step).await,
        None => Ok(false),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[async_trait]
impl app::backend::TwoFactor for AccountsService {
    async fn status(&self, token: &SessionToken) -> Result<TwoFactorStatus, AppError> {
        Ok(self.two_factor_status(token).await?)
    }

    async fn start(&self, token: &SessionToken) -> Result<(), AppError> {
        Ok(self.start_two_factor(token).await?)
    }

    async fn confirm(
        &self,
        token: &SessionToken,
        code: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(self.confirm_two_factor(token, code, client).await?)
    }

    async fn acknowledge_codes(&self, token: &SessionToken) -> Result<(), AppError> {
        Ok(self.acknowledge_recovery_codes(token).await?)
    }

    async fn renew_codes(
        &self,
        token: &SessionToken,
        code: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(self.renew_recovery_codes(token, code, client).await?)
    }

    async fn disable(
        &self,
        token: &SessionToken,
        code: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(self.disable_two_factor(token, code, client).await?)
    }

    async fn complete_sign_in(
        &self,
        challenge: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<NewSession, AppError> {
        Ok(AccountsService::complete_sign_in(self, challenge, code, client).await?)
    }
}
