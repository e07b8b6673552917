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
