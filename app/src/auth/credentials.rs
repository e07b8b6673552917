//! Sign-up and sign-in input, parsed at the edge. The same rules run in the browser and
//! on the server; oversized input is refused before any password hashing.

use crate::error::AppError;

const MAX_EMAIL: usize = 254;
const MIN_PASSWORD: usize = 10;
const MAX_PASSWORD: usize = 128;
const MAX_NAME: usize = 100;

/// A lower-cased email address of plausible shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let email = raw.trim().to_lowercase();
        let shaped = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
        if email.len() > MAX_EMAIL || !shaped || email.chars().any(char::is_whitespace) {
            return Err(AppError::invalid(
                "email",
                "Enter an email address like name@example.com.",
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password within length limits. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// For a new password: the full policy.
    pub fn parse_new(raw: String) -> Result<Self, AppError> {
        let length = raw.chars().count();
        if length < MIN_PASSWORD {
            return Err(AppError::invalid(
                "password",
                format!("Use at least {MIN_PASSWORD} characters."),
            ));
        }
        Self::parse_existing(raw)
    }

    /// For signing in: only the upper bound, so nothing huge reaches the hasher.
    pub fn parse_existing(raw: String) -> Result<Self, AppError> {
        if raw.chars().count() > MAX_PASSWORD || raw.is_empty() {
            return Err(AppError::invalid(
                "password",
                format!("Passwords are 1 to {MAX_PASSWORD} characters."),
            ));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[derive(Debug, Clone)]
pub struct SignUpInput {
    pub display_name: String,
    pub email: Email,
    pub password: Password,
}

impl SignUpInput {
    pub fn parse(display_name: &str, email: &str, password: String) -> Result<Self, AppError> {
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > MAX_NAME {
            return Err(AppError::invalid(
                "display_name",
                format!("Enter your name (up to {MAX_NAME} characters)."),
            ));
        }
        Ok(Self {
            display_name: display_name.to_owned(),
            email: Email::parse(email)?,
            password: Password::parse_new(password)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_the_field_named() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@.com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn passwords_have_bounds() {
        assert!(Password::parse_new("short".into()).is_err());
        assert!(Password::parse_new("long enough pass".into()).is_ok());
        assert!(Password::parse_existing("x".repeat(129)).is_err());
        assert!(Password::parse_existing(String::new()).is_err());
    }

    #[test]
    fn passwords_do_not_print() {
        let password = Password::parse_new("correct horse battery".into()).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn sign_up_needs_a_name() {
        let err =
            SignUpInput::parse("  ", "ada@example.com", "long enough pass".into()).unwrap_err();
        assert_eq!(err.field(), Some("display_name"));
    }
}
