//! Team secrets at rest (provider keys, custom tools' header secrets): AES-256-GCM
//! under a key from the environment, a fresh random nonce per value, the team id as
//! associated data so a ciphertext copied into another team's row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SecretError {
    #[error("the encryption key is not base64 of 32 bytes")]
    BadKey,
    #[error("the stored secret could not be decrypted")]
    Corrupt,
}

pub fn key_from_base64(text: &str) -> Option<[u8; 32]> {
    STANDARD.decode(text.trim()).ok()?.try_into().ok()
}

pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
}

pub fn seal(key_b64: &str, team_id: uuid::Uuid, plaintext: &str) -> Result<Sealed, SecretError> {
    let key = key_from_base64(key_b64).ok_or(SecretError::BadKey)?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext.as_bytes(),
                aad: team_id.as_bytes(),
            },
        )
        .map_err(|_| SecretError::Corrupt)?;
    Ok(Sealed {
        ciphertext,
        nonce: nonce.to_vec(),
    })
}

pub fn open(key_b64: &str, team_id: uuid::Uuid, sealed: &Sealed) -> Result<String, SecretError> {
    let key = key_from_base64(key_b64).ok_or(SecretError::BadKey)?;
    if sealed.nonce.len() != 12 {
        return Err(SecretError::Corrupt);
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: team_id.as_bytes(),
            },
        )
        .map_err(|_| SecretError::Corrupt)?;
    String::from_utf8(plain).map_err(|_| SecretError::Corrupt)
}

/// `••••abcd`: enough to recognise a key, never enough to use it.
pub fn mask(last_four: &str) -> String {
    format!("••••{last_four}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ=";

    #[test]
    fn round_trips_and_binds_to_the_team() {
        let team = uuid::Uuid::new_v4();
        let sealed = seal(KEY, team, "sk-test-123").expect("seal");
        assert_ne!(sealed.ciphertext, b"sk-test-123");
        assert_eq!(open(KEY, team, &sealed).expect("open"), "sk-test-123");
        assert_eq!(
            open(KEY, uuid::Uuid::new_v4(), &sealed),
            Err(SecretError::Corrupt)
        );
        let other = seal(KEY, team, "sk-test-123").expect("seal");
        assert_ne!(other.nonce, sealed.nonce);
    }
}
