//! argon2id password hashing, off the async runtime and with bounded concurrency: each
//! hash takes ~19 MiB and tens of milliseconds of CPU, so a burst of sign-ins must queue
//! rather than starve every other request.

use std::sync::Arc;

use argon2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.blocking(move || hash_now(&password)).await?
    }

    /// True when `password` matches `hash`. A malformed stored hash is a mismatch.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool, HashError> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.blocking(move || verify_now(&password, &hash)).await
    }

    /// Spends the same work as a real check, so that an unknown email answers no faster
    /// than a wrong password.
    pub async fn verify_nothing(&self, password: &str) -> Result<(), HashError> {
        self.verify(password, DUMMY_HASH).await.map(|_| ())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Hash(e.to_string()))?;
        Ok(tokio::task::spawn_blocking(work).await?)
    }
}

/// A hash of a random string with the production parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2D1h3oTU3cWdYXhqKcbTq4WmCaLdqMZ4uJbzQ9yGeiI";

/// argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane).
fn argon2() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| HashError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_now(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

fn verify_now(password: &str, hash: &str) -> bool {
    // An account without a password (made through a provider) costs a guesser as much
    // time as a wrong one, so the answer's timing does not tell the two apart.
    let Ok(parsed) = PasswordHash::new(hash) else {
        let _ = verify_now(password, DUMMY_HASH);
        return false;
    };
    argon2().is_ok_and(|argon2| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let hasher = PasswordHasher::new(2);
        let first = hasher.hash("correct horse").await.unwrap();
        let second = hasher.hash("correct horse").await.unwrap();
        assert_ne!(first, second);
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher.verify("correct horse", &first).await.unwrap());
        assert!(!hasher.verify("wrong horse", &first).await.unwrap());
        assert!(!hasher.verify("anything", "not a hash").await.unwrap());
        hasher.verify_nothing("anything").await.unwrap();
    }
}
