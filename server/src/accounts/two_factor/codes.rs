//! The codes themselves: an authenticator's time-based codes (RFC 6238: HMAC-SHA1, six
//! digits, 30-second steps, one step of clock drift either way — what every
//! authenticator app uses), the QR code that carries the secret to the app, and the
//! one-time recovery codes.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use totp_rs::{Builder, Secret, Totp};

/// The name authenticator apps show beside the account.
const ISSUER: &str = "Agent Factory";
/// 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODES: usize = 10;
/// Lower-case base32: no symbols, nothing that autocorrect would change.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";

/// What the person typed, told apart by its shape.
#[derive(Debug, PartialEq, Eq)]
pub enum Code {
    /// Six digits from the authenticator app.
    Totp(String),
    /// A recovery code, normalised (lower case, no separators).
    Recovery(String),
}

impl Code {
    /// `None` for input that can be neither (the caller says what a code looks like).
    pub fn parse(typed: &str) -> Option<Code> {
        let compact: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Code::Totp(compact));
        }
        let recovery =
            compact.len() == 10 && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
        recovery.then_some(Code::Recovery(compact))
    }
}

pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The authenticator for `secret`, labelled with the person's email.
pub fn authenticator(secret: &[u8], email: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(Secret::new(secret.into()))
        .with_issuer(Some(ISSUER))
        // A colon would break the otpauth label; an email never has one, but the check
        // is the library's, so a strange address gets an unlabelled entry, not an error.
        .with_account_name(email.replace(':', ""))
        .build()
        .ok()
}

/// The secret grouped by four for typing, e.g. `JBSW Y3DP …`.
pub fn typeable(totp: &Totp) -> String {
    let base32 = totp.secret().to_base32();
    base32
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An SVG of the `otpauth://` address, for the app to scan; `None` only if the address
/// cannot be made.
pub fn qr_svg(totp: &Totp) -> Option<String> {
    let url = totp.to_url().ok()?;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(184, 184)
        .quiet_zone(true)
        .build();
    // Inline in HTML: the element only, without the XML declaration before it.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_owned())
}

/// Ten fresh recovery codes, `xxxxx-xxxxx` (50 random bits each).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            OsRng.fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| RECOVERY_ALPHABET[usize::from(b % 32)] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What the database keeps of a recovery code: the digest of its normalised form.
pub fn recovery_digest(normalised: &str) -> Vec<u8> {
    crate::crypto::sha256(normalised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart_by_their_shape() {
        assert_eq!(Code::parse(" 123 456 "), Some(Code::Totp("123456".into())));
        assert_eq!(
            Code::parse("ABCDE-fgh27"),
            Some(Code::Recovery("abcdefgh27".into()))
        );
        assert_eq!(Code::parse("12345"), None);
        assert_eq!(Code::parse("abcde-fgh1!"), None);
    }

    #[test]
    fn a_code_matches_its_own_step_and_the_ones_beside_it_only() {
        let totp = authenticator(&new_secret(), "ada@example.com").expect("totp");
        let now = 1_800_000_000;
        let code = totp.generate(now).to_string();
        assert_eq!(totp.check(&code, now), Some(now / 30));
        assert_eq!(totp.check(&code, now + 30), Some(now / 30));
        assert_eq!(totp.check(&code, now + 90), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_parse_back() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        for code in &codes {
            assert!(
                matches!(Code::parse(code), Some(Code::Recovery(_))),
                "{code}"
            );
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let totp = authenticator(&new_secret(), "ada@example.com").expect("totp");
        let svg = qr_svg(&totp).expect("svg");
        assert!(svg.contains("<svg"), "{}", &svg[..80]);
        assert_eq!(typeable(&totp).split(' ').count(), 8);
    }
}
