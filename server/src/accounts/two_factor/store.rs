//! The SQL of two-factor sign-in: a person's sealed secret, the step last accepted, and
//! the digests of their recovery codes.

use uuid::Uuid;

use crate::db::tenant::Tx;
use crate::secrets::Sealed;

/// A person's authenticator secret, sealed.
pub struct SecretRow {
    pub secret: Sealed,
    pub enabled: bool,
    pub fresh_codes: Option<Sealed>,
}

pub async fn secret_of(tx: &mut Tx, user_id: Uuid) -> Result<Option<SecretRow>, sqlx::Error> {
    type Row = (Vec<u8>, Vec<u8>, bool, Option<Vec<u8>>, Option<Vec<u8>>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT secret_ciphertext, secret_nonce, enabled_at IS NOT NULL, fresh_codes, fresh_codes_nonce
           FROM user_two_factor WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(
        |(ciphertext, nonce, enabled, codes, codes_nonce)| SecretRow {
            secret: Sealed { ciphertext, nonce },
            enabled,
            fresh_codes: codes
                .zip(codes_nonce)
                .map(|(ciphertext, nonce)| Sealed { ciphertext, nonce }),
        },
    ))
}

/// Stores a new secret waiting for its first code, unless two-factor is already on
/// (`false` then).
pub async fn begin(tx: &mut Tx, user_id: Uuid, secret: &Sealed) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query(
        "INSERT INTO user_two_factor (user_id, secret_ciphertext, secret_nonce) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE
            SET secret_ciphertext = EXCLUDED.secret_ciphertext, secret_nonce = EXCLUDED.secret_nonce,
                created_at = now(), last_step = 0
          WHERE user_two_factor.enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(&secret.ciphertext)
    .bind(&secret.nonce)
    .execute(&mut **tx)
    .await?;
    Ok(stored.rows_affected() == 1)
}

/// Records `step` as used, if no later or equal step was: the replay guard. `false`
/// means the code was already spent.
pub async fn spend_step(tx: &mut Tx, user_id: Uuid, step: u64) -> Result<bool, sqlx::Error> {
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let spent = sqlx::query(
        "UPDATE user_two_factor SET last_step = $2 WHERE user_id = $1 AND last_step < $2",
    )
    .bind(user_id)
    .bind(step)
    .execute(&mut **tx)
    .await?;
    Ok(spent.rows_affected() == 1)
}

pub async fn enable(tx: &mut Tx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_two_factor SET enabled_at = now() WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces the person's recovery codes: the digests to check, and the codes sealed to
/// show until acknowledged.
pub async fn replace_codes(
    tx: &mut Tx,
    user_id: Uuid,
    digests: &[Vec<u8>],
    shown: &Sealed,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])")
        .bind(user_id)
        .bind(digests)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE user_two_factor SET fresh_codes = $2, fresh_codes_nonce = $3 WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(&shown.ciphertext)
    .bind(&shown.nonce)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn forget_fresh_codes(tx: &mut Tx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_two_factor SET fresh_codes = NULL, fresh_codes_nonce = NULL WHERE user_id = $1",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks an unused recovery code used; `false` when there is no such unused code.
pub async fn spend_recovery_code(
    tx: &mut Tx,
    user_id: Uuid,
    digest: &[u8],
) -> Result<bool, sqlx::Error> {
    let spent = sqlx::query(
        "UPDATE recovery_codes SET used_at = now()
          WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(digest)
    .execute(&mut **tx)
    .await?;
    Ok(spent.rows_affected() == 1)
}

pub async fn codes_left(tx: &mut Tx, user_id: Uuid) -> Result<u32, sqlx::Error> {
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(u32::try_from(left).unwrap_or(0))
}

pub async fn remove(tx: &mut Tx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM user_two_factor WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether the person signs in with a second factor.
pub async fn is_enabled(tx: &mut Tx, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM user_two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL)",
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await
}

/// The first of the person's teams that requires two-factor, by name.
pub async fn required_by(tx: &mut Tx, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id
          WHERE m.user_id = $1 AND t.require_two_factor ORDER BY m.joined_at LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
}

/// Whether `team_id` requires two-factor of a person who has not turned it on.
pub async fn owed_to(tx: &mut Tx, user_id: Uuid, team_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT require_two_factor FROM teams WHERE id = $2), false)
            AND NOT EXISTS (SELECT 1 FROM user_two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL)",
    )
    .bind(user_id)
    .bind(team_id)
    .fetch_one(&mut **tx)
    .await
}
