//! Who a share link's visitor is. Someone with no account is known by a random secret
//! of their browser's (our cookie on the link's own page, or an id the widget keeps on
//! the embedding site), kept only as its SHA-256. A site that embeds the chat may say
//! who its signed-in user is instead: a short-lived HS256 token (JWT) its server signs
//! with the agent's embed secret, carrying the user's id, name and daily quota. That
//! user then finds their conversations on any device, and their usage is theirs.

use app::conversations::VisitorPass;
use app::error::AppError;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::crypto;

/// The longest a signed user's token may live: sites mint them per page view.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = 24 * 3600;
/// Clocks differ a little between the site's server and ours.
const LEEWAY_SECS: u64 = 60;
/// The longest end-user id and name.
const MAX_ID_CHARS: usize = 200;

/// A visitor as conversations keep them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    /// The SHA-256 (hex) of their secret, or of their signed id.
    pub id: String,
    pub end_user: Option<EndUser>,
}

/// A signed-in user of the embedding site, as its token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndUser {
    pub id: String,
    pub name: Option<String>,
    /// Messages a day (UTC) the site allows them with this agent.
    pub daily_messages: Option<u32>,
}

impl Visitor {
    /// Someone known by a random secret. Only a token's characters are accepted, so no
    /// secret hashes to what a signed id does (those are prefixed with a NUL).
    pub fn anonymous(secret: &str) -> Result<Visitor, AppError> {
        let looks_random = (20..=100).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !looks_random {
            return Err(unidentified("the visitor id is malformed"));
        }
        Ok(Visitor {
            id: hex_sha256(secret),
            end_user: None,
        })
    }

    /// The site's signed-in user, once their token is checked against `key` (the
    /// agent's embed secret).
    pub fn signed(token: &str, key: &[u8]) -> Result<Visitor, AppError> {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims =
            jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(key), &validation)
                .map_err(|error| {
                    unidentified(match error.kind() {
                        ErrorKind::InvalidSignature => {
                            "the token is not signed with this chat's embed secret"
                        }
                        ErrorKind::ExpiredSignature => "the token has expired",
                        ErrorKind::InvalidAlgorithm => "the token is not signed with HS256",
                        ErrorKind::MissingRequiredClaim(_) => "the token needs `sub` and `exp`",
                        _ => "the token is malformed",
                    })
                })?
                .claims;
        if claims.exp > now + MAX_TOKEN_LIFETIME_SECS + LEEWAY_SECS as i64 {
            return Err(unidentified("the token lives longer than 24 hours"));
        }
        let id = claims.sub.trim();
        if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
            return Err(unidentified(
                "the token's `sub` is empty or over 200 characters",
            ));
        }
        let name = claims
            .name
            .map(|name| name.trim().chars().take(MAX_ID_CHARS).collect::<String>())
            .filter(|name| !name.is_empty());
        Ok(Visitor {
            id: hex_sha256(&format!("user\0{id}")),
            end_user: Some(EndUser {
                id: id.to_string(),
                name,
                daily_messages: claims.daily_messages,
            }),
        })
    }

    /// What the visitor goes by on the page, when their site said.
    pub fn shown_as(&self) -> Option<String> {
        self.end_user
            .as_ref()
            .map(|user| user.name.clone().unwrap_or_else(|| user.id.clone()))
    }
}

/// A pass that is a signed token (three dot-separated parts) rather than a random id.
pub fn is_signed(pass: &VisitorPass) -> bool {
    matches!(pass, VisitorPass::Session(session) if session.contains('.'))
}

#[derive(Deserialize)]
struct Claims {
    /// Left out, it is empty: refused below with the reason.
    #[serde(default)]
    sub: String,
    exp: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    daily_messages: Option<u32>,
}

pub fn unidentified(why: &str) -> AppError {
    AppError::Unidentified(format!(
        "We could not confirm who you are ({why}). Reload the page; if this goes on, tell the site's owner."
    ))
}

fn hex_sha256(text: &str) -> String {
    crypto::sha256(text)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    const KEY: &[u8] = b"an embed secret";

    fn token(claims: serde_json::Value, key: &[u8]) -> String {
        jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(key)).unwrap()
    }

    fn refusal(token: &str) -> String {
        Visitor::signed(token, KEY).unwrap_err().to_string()
    }

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    #[test]
    fn a_signed_user_is_their_id_on_any_device() {
        let now = now();
        let claims = json!({"sub": "user-1", "name": "Ada", "exp": now + 600, "daily_messages": 5});
        let visitor = Visitor::signed(&token(claims, KEY), KEY).unwrap();
        let again = Visitor::signed(&token(json!({"sub": "user-1", "exp": now + 60}), KEY), KEY);
        assert_eq!(visitor.id, again.unwrap().id);
        assert_eq!(visitor.shown_as().as_deref(), Some("Ada"));
        assert_eq!(visitor.end_user.unwrap().daily_messages, Some(5));
    }

    #[test]
    fn forged_expired_and_long_lived_tokens_are_refused() {
        let now = now();
        let good = json!({"sub": "user-1", "exp": now + 600});
        assert!(
            refusal(&token(good.clone(), b"another agent's secret"))
                .contains("not signed with this chat's")
        );
        assert!(refusal(&token(json!({"sub": "u", "exp": now - 3600}), KEY)).contains("expired"));
        assert!(
            refusal(&token(json!({"sub": "u", "exp": now + 3 * 24 * 3600}), KEY))
                .contains("24 hours")
        );
        assert!(refusal(&token(json!({"sub": " ", "exp": now + 60}), KEY)).contains("`sub`"));
        assert!(refusal(&token(json!({"exp": now + 60}), KEY)).contains("`sub`"));
        assert!(refusal("not.a.token").contains("malformed"));
        // The same claims, but the signature of other claims: refused.
        let mut parts: Vec<String> = token(good, KEY).split('.').map(str::to_owned).collect();
        parts[1] = token(json!({"sub": "admin", "exp": now + 600}), KEY)
            .split('.')
            .nth(1)
            .unwrap()
            .to_owned();
        assert!(refusal(&parts.join(".")).contains("not signed"));
        // `alg: none` is not HS256.
        let none = format!(
            "{}.{}.",
            base64_url(r#"{"alg":"none"}"#),
            base64_url(r#"{"sub":"a","exp":1900000000}"#)
        );
        assert!(Visitor::signed(&none, KEY).is_err());
    }

    #[test]
    fn an_anonymous_secret_cannot_pose_as_a_signed_id() {
        assert!(Visitor::anonymous(&crypto::random_token()).is_ok());
        assert!(Visitor::anonymous("user\0user-1-and-some-padding").is_err());
        assert!(Visitor::anonymous("short").is_err());
    }

    fn base64_url(text: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }
}
