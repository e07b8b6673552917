//! Stripe's webhook signature: `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]`,
//! each `v1` an HMAC-SHA256 over `"<t>.<raw body>"` with the endpoint's signing secret.
//! Several `v1` values appear while a secret is being rolled; any one may match.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old an event's timestamp may be (Stripe's own libraries use five minutes).
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header, or one without a timestamp and a v1 signature")]
    Malformed,
    #[error("the timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` against the raw `body` at time `now` (unix seconds).
pub fn verify(header: &str, body: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let matches = |hex: &str| {
        let Some(expected) = decode_hex(hex) else {
            return false;
        };
        mac(secret, timestamp, body).verify_slice(&expected).is_ok()
    };
    if signatures.into_iter().any(matches) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The header Stripe would send for `body` at `timestamp` (for tests and the fake).
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn a_signed_body_verifies() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(verify(&header, BODY, SECRET, 1_100), Ok(()));
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let good = sign(BODY, SECRET, 1_000);
        let good_v1 = good.split_once(",v1=").map(|(_, v)| v).unwrap_or_default();
        let header = format!("t=1000,v1={},v1={good_v1},v0=abc", "00".repeat(32));
        assert_eq!(verify(&header, BODY, SECRET, 1_000), Ok(()));
    }

    #[test]
    fn a_changed_body_or_wrong_secret_fails() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(
            verify(&header, br#"{"id":"evt_2"}"#, SECRET, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, BODY, "whsec_other", 1_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn old_and_future_timestamps_fail() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(
            verify(&header, BODY, SECRET, 1_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&header, BODY, SECRET, 699),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn malformed_headers_fail() {
        for header in ["", "t=1000", "v1=abcd", "t=x,v1=abcd"] {
            assert_eq!(
                verify(header, BODY, SECRET, 1_000),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
        assert_eq!(
            verify("t=1000,v1=zz", BODY, SECRET, 1_000),
            Err(SignatureError::Mismatch)
        );
    }
}
