//! The provider's signing keys: two fixed 2048-bit RSA keys made once for this fake with
//! `openssl genpkey` (PKCS#1 DER; ring cannot generate RSA keys, and a test fake needs
//! none of its own). The first
//! signs and is published; the second is never published and signs the tokens that
//! must fail their signature check.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

/// The published key's id.
pub const KID: &str = "fake-oidc-1";

pub struct Keys {
    signing: RsaKeyPair,
    other: RsaKeyPair,
    random: SystemRandom,
}

impl Keys {
    pub fn load() -> Result<Keys, String> {
        let load = |der: &[u8]| RsaKeyPair::from_der(der).map_err(|e| format!("key: {e}"));
        Ok(Keys {
            signing: load(include_bytes!("../keys/signing.der"))?,
            other: load(include_bytes!("../keys/other.der"))?,
            random: SystemRandom::new(),
        })
    }

    /// The JWKS document: the published key only.
    pub fn jwks(&self) -> Value {
        let public = PublicKeyComponents::<Vec<u8>>::from(self.signing.public());
        json!({ "keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "e": URL_SAFE_NO_PAD.encode(&public.e),
        }]})
    }

    /// A compact JWS of `claims`, under the published key's id; signed by the other key
    /// when `forged` (so the signature cannot verify).
    pub fn sign(&self, claims: &Value, forged: bool) -> Result<String, String> {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": KID });
        let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
        let input = format!("{}.{}", encode(&header), encode(claims));
        let key = if forged { &self.other } else { &self.signing };
        let mut signature = vec![0u8; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &self.random,
            input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| "signing failed".to_owned())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// 128 random bits, URL-safe (codes and access tokens).
    pub fn random_token(&self) -> String {
        let mut bytes = [0u8; 16];
        ring::rand::SecureRandom::fill(&self.random, &mut bytes).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// `base64url(SHA-256(text))`: a PKCS S256 challenge, and the start of `at_hash`.
pub fn sha256(text: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .to_vec()
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_three_parts_and_the_forged_one_differs() {
        let keys = Keys::load().expect("keys");
        let claims = json!({ "sub": "u" });
        let real = keys.sign(&claims, false).expect("sign");
        let forged = keys.sign(&claims, true).expect("sign");
        assert_eq!(real.split('.').count(), 3);
        assert_eq!(
            real.rsplit_once('.').map(|p| p.0),
            forged.rsplit_once('.').map(|p| p.0)
        );
        assert_ne!(real, forged);
        assert_eq!(keys.jwks()["keys"][0]["e"], "AQAB");
    }
}
