//! The 70/30 revenue share of a template sale, and its reversal on a refund. Both
//! entries belong to the creator's team (their earnings page reads them).

use app::marketplace::CREATOR_SHARE_PERCENT;
use uuid::Uuid;

use crate::db::tenant;

/// Splits `amount_cents` into the creator's and the platform's part. The creator's part
/// is rounded down and the platform's is the rest, so the two always add up exactly.
pub fn split(amount_cents: i64) -> (i64, i64) {
    let creator = amount_cents * CREATOR_SHARE_PERCENT / 100;
    (creator, amount_cents - creator)
}

/// A sale's two entries; a replay writes nothing.
pub async fn record_sale(
    tx: &mut tenant::Tx,
    purchase_id: Uuid,
    creator_team: Uuid,
    template_id: Uuid,
    amount_cents: i64,
) -> Result<(), sqlx::Error> {
    let (creator, platform) = split(amount_cents);
    sqlx::query(
        "INSERT INTO revenue_shares (purchase_id, team_id, template_id, beneficiary, kind, amount_cents)
         VALUES ($1, $2, $3, 'creator', 'sale', $4), ($1, $2, $3, 'platform', 'sale', $5)
         ON CONFLICT (purchase_id, beneficiary, kind) DO NOTHING",
    )
    .bind(purchase_id)
    .bind(creator_team)
    .bind(template_id)
    .bind(creator)
    .bind(platform)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reverses the refunded part of a sale, split the same way. `refunded_cents` is the
/// charge's refunded total so far, so each refund event restates the whole reversal and
/// the larger one wins: replays and out-of-order events leave it right.
pub async fn record_refund(
    tx: &mut tenant::Tx,
    purchase_id: Uuid,
    creator_team: Uuid,
    template_id: Uuid,
    refunded_cents: i64,
) -> Result<(), sqlx::Error> {
    let (creator, platform) = split(refunded_cents);
    sqlx::query(
        "INSERT INTO revenue_shares (purchase_id, team_id, template_id, beneficiary, kind, amount_cents)
         VALUES ($1, $2, $3, 'creator', 'reversal', $4), ($1, $2, $3, 'platform', 'reversal', $5)
         ON CONFLICT (purchase_id, beneficiary, kind) DO UPDATE
            SET amount_cents = LEAST(revenue_shares.amount_cents, EXCLUDED.amount_cents), updated_at = now()",
    )
    .bind(purchase_id)
    .bind(creator_team)
    .bind(template_id)
    .bind(-creator)
    .bind(-platform)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn shares_always_add_up_to_the_amount() {
        for amount in [0, 1, 2, 3, 50, 99, 100, 101, 999, 1_999, 100_000] {
            let (creator, platform) = split(amount);
            assert_eq!(creator + platform, amount, "{amount}");
            assert!(creator >= 0 && platform >= 0);
        }
        assert_eq!(split(1_000), (700, 300));
        // The creator's part rounds down; the odd cent goes to the platform.
        assert_eq!(split(999), (699, 300));
        assert_eq!(split(1), (0, 1));
    }
}
