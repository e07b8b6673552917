//! Provider error text is untrusted. Some gateways and proxies echo the credential they
//! were sent ("internal error for credential Bearer sk-…"), and that text would reach a
//! run's steps, its failure reason and every page and API answer that shows them. So
//! before any of it is kept: the keys we hold are replaced wherever they appear, and so
//! is anything shaped like a credential (a bearer token, a well-known key prefix, a
//! long run of letters and digits).

pub const REDACTED: &str = "[redacted]";

/// Prefixes that credentials of the common providers and platforms start with.
const KEY_PREFIXES: [&str; 14] = [
    "sk-",
    "sk_",
    "pk_",
    "rk_",
    "ghp_",
    "gho_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "AKIA",
    "AIza",
    "agf_",
    "whsec_",
    "eyJ",
];
/// Words after which the next token is a credential, whatever it looks like.
const INTRODUCERS: [&str; 9] = [
    "bearer", "basic", "token", "key", "apikey", "api_key", "api-key", "secret", "password",
];
/// A token this long that mixes letters and digits is taken for a key.
const LONG_TOKEN: usize = 24;

/// `text` with every `known` secret and every credential-shaped token replaced.
pub fn redact(text: &str, known: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in known.iter().filter(|s| s.len() >= 8) {
        text = text.replace(secret, REDACTED);
    }
    let mut out = String::with_capacity(text.len());
    let mut after_introducer = false;
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let token_len = rest.find(|c: char| !is_token_char(c)).unwrap_or(rest.len());
        if token_len == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            // `key: value`, `key=value`, `"key": "value"` keep the introducer in force.
            if !matches!(c, ' ' | ':' | '=' | '"' | '\'') {
                after_introducer = false;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let (token, tail) = rest.split_at(token_len);
        if after_introducer && token.len() >= 8 || looks_like_credential(token) {
            out.push_str(REDACTED);
            after_introducer = false;
        } else {
            out.push_str(token);
            after_introducer = INTRODUCERS.contains(&token.to_ascii_lowercase().as_str());
        }
        rest = tail;
    }
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '/')
}

fn looks_like_credential(token: &str) -> bool {
    let prefixed = KEY_PREFIXES
        .iter()
        .any(|prefix| token.starts_with(prefix) && token.len() >= prefix.len() + 8);
    let long_and_mixed = token.len() >= LONG_TOKEN
        && token.chars().any(|c| c.is_ascii_digit())
        && token.chars().any(|c| c.is_ascii_alphabetic());
    prefixed || long_and_mixed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_go_wherever_they_are() {
        let key = "operator-key-without-a-shape";
        assert_eq!(
            redact(&format!("upstream said ({key}) no"), &[key]),
            "upstream said ([redacted]) no"
        );
    }

    #[test]
    fn credential_shapes_go_too() {
        for (text, expected) in [
            (
                "internal error for credential Bearer abc.def.ghi-123",
                "internal error for credential Bearer [redacted]",
            ),
            (
                "invalid key sk-proj-AbCdEf0123456789 for org",
                "invalid key [redacted] for org",
            ),
            (
                r#"{"api_key": "plainsecretvalue"}"#,
                r#"{"api_key": "[redacted]"}"#,
            ),
            ("token=hunter2hunter2&x=1", "token=[redacted]&x=1"),
            (
                "x-goog key AIzaSyA1234567890abcdefgh rejected",
                "x-goog key [redacted] rejected",
            ),
            (
                "id 8f14e45fceea167a5a36dedd4bea2543 leaked",
                "id [redacted] leaked",
            ),
        ] {
            assert_eq!(redact(text, &[]), expected, "{text}");
        }
    }

    #[test]
    fn ordinary_messages_stay_readable() {
        for text in [
            "The model `gpt-4.1-mini` is overloaded, try again later.",
            "maximum context length is 128000 tokens",
            "upstream connect error or disconnect/reset before headers",
        ] {
            assert_eq!(redact(text, &[]), text);
        }
    }
}
