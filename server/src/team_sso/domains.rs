//! Email domains a team proves it owns: a TXT record at `_agent-factory.<domain>` that
//! says `agent-factory-verification=<token>`, the token made when the domain was added.

use app::error::AppError;

/// Where the record goes.
pub fn record_name(domain: &str) -> String {
    format!("_agent-factory.{domain}")
}

/// What it must say.
pub fn record_value(token: &str) -> String {
    format!("agent-factory-verification={token}")
}

/// A domain as typed (`Example.com`, `@example.com`, `example.com.`), checked and in
/// its canonical form: lowercase letters, digits and hyphens in dot-separated labels.
pub fn parse(raw: &str) -> Result<String, AppError> {
    let domain = raw
        .trim()
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let invalid = || {
        AppError::invalid(
            "domain",
            "Enter a domain name such as example.com (without https:// or an address).",
        )
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if domain.len() > 253 || labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(invalid());
    }
    // The top-level label is never all digits: that is an IP address.
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(invalid());
    }
    Ok(domain)
}

/// The domain part of an email address, lowercase.
pub fn of_email(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim_end_matches('.').to_ascii_lowercase())
        .filter(|domain| !domain.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_canonical() {
        assert_eq!(parse(" Example.COM. ").unwrap(), "example.com");
        assert_eq!(parse("@acme.co.uk").unwrap(), "acme.co.uk");
        assert_eq!(
            parse("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn what_is_not_a_domain_is_refused() {
        for bad in [
            "",
            "localhost",
            "https://example.com",
            "example..com",
            "-acme.com",
            "acme-.com",
            "10.0.0.1",
            "a b.com",
            "user@example.com",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(parse(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn an_email_names_its_domain() {
        assert_eq!(of_email("Ida@Acme.Test").as_deref(), Some("acme.test"));
        assert_eq!(of_email("nobody"), None);
    }
}
