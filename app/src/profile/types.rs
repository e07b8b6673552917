use serde::{Deserialize, Serialize};

/// One of the signed-in person's live sessions, as Settings → Profile lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSession {
    /// Names the session to end it (the digest of its token, never the token).
    pub id: String,
    /// "Firefox on Linux", from the user agent it started with.
    pub device: String,
    pub address: Option<String>,
    pub signed_in: String,
    pub last_seen: String,
    /// The session of this very browser.
    pub current: bool,
}

/// The signed-in person's two-factor sign-in, as Settings → Profile shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    /// Sign-in asks for a code after the password.
    pub enabled: bool,
    /// Set-up begun and waiting for the first code.
    pub pending: Option<TwoFactorEnrolment>,
    /// Recovery codes just made, shown until the person says they kept them.
    pub fresh_codes: Vec<String>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// A team of the person's that requires two-factor (so it cannot be turned off).
    pub required_by: Option<String>,
}

/// What an authenticator app needs: the QR code to scan, or the key to type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorEnrolment {
    /// An `<svg>` of the `otpauth://` address, drawn on the server.
    pub qr_svg: String,
    /// The secret in base32, grouped by four for typing.
    pub secret: String,
}

/// What asking for a new email address did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmailChange {
    /// Email is off: the account uses the new address already.
    Changed { email: String },
    /// A link went to the new address; the account moves when it is followed.
    LinkSent { email: String },
}

/// An identity provider people may sign in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProvider {
    /// In its URLs: `/auth/<id>/start`.
    pub id: String,
    pub label: String,
}

/// A provider the signed-in person signs in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIdentity {
    pub id: uuid::Uuid,
    pub provider: String,
    pub label: String,
    /// The address the provider gave when it was linked.
    pub email: Option<String>,
    pub linked: String,
}
