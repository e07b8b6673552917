//! Team secrets at rest (provider keys, custom tools' header secrets, webhook signing
//! secrets, stored idempotent answers): AES-256-GCM, a fresh random nonce per value,
//! the team id as associated data so a ciphertext copied into another team's row does
//! not open.
//!
//! Keys rotate: the [`Keyring`] seals with the current key and opens with the current
//! one or any previous one. A sealed value names its key by a 4-byte id (the first bytes
//! of the key's SHA-256) stored in front of its 12-byte nonce, so every value still under
//! an old key is found with one comparison in SQL (`sealed_under_other_keys`, for the
//! re-encryption job). Values sealed before key ids existed have a bare 12-byte nonce;
//! every key is tried on them (GCM's tag tells the right one).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

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
    /// The key's id, then the nonce (a bare nonce: sealed before key ids).
    pub nonce: Vec<u8>,
}

const NONCE_BYTES: usize = 12;
pub const KEY_ID_BYTES: usize = 4;

struct DataKey {
    id: [u8; KEY_ID_BYTES],
    cipher: Aes256Gcm,
}

impl DataKey {
    fn from_base64(text: &str) -> Result<DataKey, SecretError> {
        let bytes = key_from_base64(text).ok_or(SecretError::BadKey)?;
        let digest = Sha256::digest(bytes);
        let mut id = [0u8; KEY_ID_BYTES];
        id.copy_from_slice(&digest[..KEY_ID_BYTES]);
        Ok(DataKey {
            id,
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
        })
    }

    fn open(&self, team_id: uuid::Uuid, nonce: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: team_id.as_bytes(),
                },
            )
            .ok()
    }
}

/// The current key and the previous ones, still accepted for opening.
pub struct Keyring {
    current: DataKey,
    previous: Vec<DataKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &hex(&self.current.id))
            .field(
                "previous",
                &self.previous.iter().map(|k| hex(&k.id)).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Keyring {
    /// From base64 keys (32 bytes each): the current one, then any previous ones.
    pub fn new(current: &str, previous: &[String]) -> Result<Keyring, SecretError> {
        Ok(Keyring {
            current: DataKey::from_base64(current)?,
            previous: previous
                .iter()
                .map(|key| DataKey::from_base64(key))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The id that values sealed now carry.
    pub fn current_id(&self) -> [u8; KEY_ID_BYTES] {
        self.current.id
    }

    pub fn seal(&self, team_id: uuid::Uuid, plaintext: &[u8]) -> Result<Sealed, SecretError> {
        let mut nonce = [0u8; NONCE_BYTES];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: team_id.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Corrupt)?;
        Ok(Sealed {
            ciphertext,
            nonce: [self.current.id.as_slice(), &nonce].concat(),
        })
    }

    pub fn seal_text(&self, team_id: uuid::Uuid, plaintext: &str) -> Result<Sealed, SecretError> {
        self.seal(team_id, plaintext.as_bytes())
    }

    pub fn open(&self, team_id: uuid::Uuid, sealed: &Sealed) -> Result<Vec<u8>, SecretError> {
        let keys = || std::iter::once(&self.current).chain(&self.previous);
        match sealed.nonce.len() {
            NONCE_BYTES => {
                keys().find_map(|key| key.open(team_id, &sealed.nonce, &sealed.ciphertext))
            }
            len if len == KEY_ID_BYTES + NONCE_BYTES => {
                let (id, nonce) = sealed.nonce.split_at(KEY_ID_BYTES);
                keys()
                    .find(|key| key.id == id)
                    .and_then(|key| key.open(team_id, nonce, &sealed.ciphertext))
            }
            _ => None,
        }
        .ok_or(SecretError::Corrupt)
    }

    pub fn open_text(&self, team_id: uuid::Uuid, sealed: &Sealed) -> Result<String, SecretError> {
        String::from_utf8(self.open(team_id, sealed)?).map_err(|_| SecretError::Corrupt)
    }

    /// `text` sealed as one URL-safe string (key id, nonce, then ciphertext): for a value
    /// that travels instead of sitting in a row, such as a form's answer in a cookie.
    pub fn seal_to_string(&self, context: uuid::Uuid, text: &str) -> Result<String, SecretError> {
        let sealed = self.seal_text(context, text)?;
        Ok(URL_SAFE_NO_PAD.encode([sealed.nonce, sealed.ciphertext].concat()))
    }

    /// What [`Keyring::seal_to_string`] sealed under the same `context`.
    pub fn open_string(&self, context: uuid::Uuid, sealed: &str) -> Result<String, SecretError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| SecretError::Corrupt)?;
        if bytes.len() < KEY_ID_BYTES + NONCE_BYTES {
            return Err(SecretError::Corrupt);
        }
        let (nonce, ciphertext) = bytes.split_at(KEY_ID_BYTES + NONCE_BYTES);
        self.open_text(
            context,
            &Sealed {
                nonce: nonce.to_vec(),
                ciphertext: ciphertext.to_vec(),
            },
        )
    }
}

/// `••••abcd`: enough to recognise a key, never enough to use it.
pub fn mask(last_four: &str) -> String {
    format!("••••{last_four}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ=";
    const NEW_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    fn ring(current: &str, previous: &[&str]) -> Keyring {
        let previous: Vec<String> = previous.iter().map(|k| k.to_string()).collect();
        Keyring::new(current, &previous).expect("keys")
    }

    #[test]
    fn round_trips_and_binds_to_the_team() {
        let keys = ring(KEY, &[]);
        let team = uuid::Uuid::new_v4();
        let sealed = keys.seal_text(team, "sk-test-123").expect("seal");
        assert_ne!(sealed.ciphertext, b"sk-test-123");
        assert_eq!(keys.open_text(team, &sealed).expect("open"), "sk-test-123");
        assert_eq!(
            keys.open_text(uuid::Uuid::new_v4(), &sealed),
            Err(SecretError::Corrupt)
        );
        let other = keys.seal_text(team, "sk-test-123").expect("seal");
        assert_ne!(other.nonce, sealed.nonce);
    }

    #[test]
    fn a_travelling_value_is_cookie_safe_and_opens_only_in_its_context() {
        let keys = ring(KEY, &[]);
        let session = uuid::Uuid::new_v4();
        let sealed = keys.seal_to_string(session, "agf_secret").expect("seal");
        assert!(
            sealed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        );
        assert!(!sealed.contains("agf_secret"));
        assert_eq!(
            keys.open_string(session, &sealed).expect("open"),
            "agf_secret"
        );
        assert!(keys.open_string(uuid::Uuid::new_v4(), &sealed).is_err());
        assert!(keys.open_string(session, "short").is_err());
        assert!(keys.open_string(session, "not base64!").is_err());
    }

    #[test]
    fn a_new_key_opens_what_the_old_one_sealed_while_the_old_one_is_listed() {
        let team = uuid::Uuid::new_v4();
        let old = ring(KEY, &[]).seal_text(team, "whsec_1").expect("seal");
        let rotated = ring(NEW_KEY, &[KEY]);
        assert_eq!(rotated.open_text(team, &old).expect("open"), "whsec_1");
        assert_eq!(&old.nonce[..KEY_ID_BYTES], &ring(KEY, &[]).current_id());
        let fresh = rotated.seal_text(team, "whsec_1").expect("seal");
        assert_eq!(&fresh.nonce[..KEY_ID_BYTES], &rotated.current_id());
        // Once the old key is dropped, what it sealed no longer opens.
        assert_eq!(
            ring(NEW_KEY, &[]).open_text(team, &old),
            Err(SecretError::Corrupt)
        );
    }

    #[test]
    fn values_sealed_before_key_ids_still_open() {
        let team = uuid::Uuid::new_v4();
        let mut legacy = ring(KEY, &[]).seal_text(team, "sk-legacy").expect("seal");
        legacy.nonce.drain(..KEY_ID_BYTES);
        assert_eq!(
            ring(NEW_KEY, &[KEY])
                .open_text(team, &legacy)
                .expect("open"),
            "sk-legacy"
        );
    }

    #[test]
    fn refuses_keys_that_are_not_32_bytes() {
        assert_eq!(
            Keyring::new("c2hvcnQ=", &[]).map(|_| ()),
            Err(SecretError::BadKey)
        );
    }
}
