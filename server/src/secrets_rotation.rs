//! Re-encryption after a secrets key rotation: every sealed value still under a previous
//! key (or sealed before key ids existed) is opened and sealed again under the current
//! key, each as its own team. Runs at start-up and hourly; when it reports nothing left,
//! the previous key can be dropped from `SECRETS_ENCRYPTION_KEY_PREVIOUS`.

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::secrets::{Keyring, Sealed};

/// Rows rewritten per look-up, per table.
const BATCH: i32 = 100;

/// Each table of sealed values: its name, key column, and its value's two columns.
fn columns(vault: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match vault {
        "provider_keys" => ("provider_keys", "ciphertext", "nonce"),
        "team_secrets" => ("team_secrets", "ciphertext", "nonce"),
        "webhooks" => ("webhooks", "secret_ciphertext", "secret_nonce"),
        "idempotency_keys" => ("idempotency_keys", "body", "body_nonce"),
        // A person's own secrets: bound to (and listed under) the person's id.
        "two_factor_secrets" => ("user_two_factor", "secret_ciphertext", "secret_nonce"),
        "fresh_recovery_codes" => ("user_two_factor", "fresh_codes", "fresh_codes_nonce"),
        "team_sso" => ("team_sso", "secret_ciphertext", "secret_nonce"),
        "agent_shares" => ("agent_shares", "token_ciphertext", "token_nonce"),
        "agent_embed_secrets" => (
            "agent_shares",
            "embed_secret_ciphertext",
            "embed_secret_nonce",
        ),
        _ => return None,
    })
}

/// What one pass did: values rewritten, and values no listed key opens.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rewrapped {
    pub rewritten: u64,
    pub unreadable: u64,
}

/// Rewrites every value not under the current key. Values no key opens are left as
/// they are (and counted): dropping them would lose data an operator may still recover
/// by listing the right key.
pub async fn rewrap_all(db: &PgPool, keys: &Keyring) -> Result<Rewrapped, sqlx::Error> {
    let mut done = Rewrapped::default();
    let mut skipped: Vec<Uuid> = Vec::new();
    loop {
        let rows: Vec<(String, Uuid, Uuid)> =
            sqlx::query_as("SELECT vault, team_id, id FROM sealed_under_other_keys($1, $2)")
                .bind(keys.current_id().as_slice())
                .bind(BATCH)
                .fetch_all(db)
                .await?;
        let mut progressed = false;
        for (vault, team_id, id) in rows {
            if skipped.contains(&id) {
                continue;
            }
            let Some((table, value, nonce)) = columns(&vault) else {
                continue;
            };
            match rewrap(db, keys, team_id, id, table, value, nonce).await? {
                Rewrap::Rewritten => done.rewritten += 1,
                Rewrap::Unreadable => {
                    done.unreadable += 1;
                    skipped.push(id);
                }
                // Deleted since it was listed, or not visible as its team: listed again,
                // it must not be tried again (the loop would never end).
                Rewrap::Gone => skipped.push(id),
            }
            progressed = true;
        }
        if !progressed {
            return Ok(done);
        }
    }
}

async fn rewrap(
    db: &PgPool,
    keys: &Keyring,
    team_id: Uuid,
    id: Uuid,
    table: &str,
    value: &str,
    nonce: &str,
) -> Result<Rewrap, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let row: Option<(Vec<u8>, Vec<u8>)> = sqlx::query_as(&format!(
        "SELECT {value}, {nonce} FROM {table} WHERE id = $1 AND {nonce} IS NOT NULL FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((ciphertext, sealed_nonce)) = row else {
        return Ok(Rewrap::Gone);
    };
    let sealed = Sealed {
        ciphertext,
        nonce: sealed_nonce,
    };
    let Ok(plain) = keys.open(team_id, &sealed) else {
        tracing::error!(table, %id, team = %team_id, "a sealed value opens with no configured key; left as it is");
        return Ok(Rewrap::Unreadable);
    };
    let fresh = keys
        .seal(team_id, &plain)
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    sqlx::query(&format!(
        "UPDATE {table} SET {value} = $2, {nonce} = $3 WHERE id = $1"
    ))
    .bind(id)
    .bind(&fresh.ciphertext)
    .bind(&fresh.nonce)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Rewrap::Rewritten)
}

/// What became of one value.
enum Rewrap {
    Rewritten,
    /// No listed key opens it; left as it is.
    Unreadable,
    /// Not there any more.
    Gone,
}
