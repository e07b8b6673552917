//! `POST /webhooks/stripe` with events signed by hand: bad and stale signatures, unpaid
//! sessions, replays, ten concurrent duplicates, a database failure (non-2xx, nothing
//! lost), refunds, and subscription changes arriving out of order.

use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::TestApp;
use crate::marketplace::{SPEC, WEBHOOK_SECRET, app_with_stripe, create_agent, location, publish};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> String {
    json!({ "id": id, "object": "event", "type": kind, "created": created, "livemode": false,
            "data": { "object": object } })
    .to_string()
}

async fn deliver(app: &TestApp, body: &str, timestamp: i64, secret: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/webhooks/stripe"))
        .header(
            "stripe-signature",
            fake_stripe::sign(body.as_bytes(), secret, timestamp),
        )
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

struct Pending {
    session_id: String,
    metadata: Value,
    owner: PgPool,
}

/// A creator's $10 template and a buyer's pending Checkout for it.
async fn pending_purchase(app: &TestApp) -> Pending {
    let (creator, _) = app.signed_up("Cleo Creator").await;
    let (buyer, _) = app.signed_up("Bo Buyer").await;
    let agent_id = create_agent(&creator, SPEC).await;
    publish(&creator, &agent_id, "Ten Dollar Scout", "10").await;
    let view: Value = buyer
        .call("/api/marketplace/template", &[("slug", "ten-dollar-scout")])
        .await
        .unwrap();
    let id = view["card"]["id"].as_str().unwrap().to_string();
    let response = buyer
        .post_form("/api/marketplace/buy", &[("template_id", &id)])
        .await;
    let session_id = location(&response).rsplit('/').next().unwrap().to_string();
    let owner = app.owner_pool().await;
    let (purchase_id, team_id): (uuid::Uuid, uuid::Uuid) =
        sqlx::query_as("SELECT id, team_id FROM purchases WHERE stripe_checkout_session_id = $1")
            .bind(&session_id)
            .fetch_one(&owner)
            .await
            .unwrap();
    Pending {
        session_id,
        metadata: json!({ "kind": "template", "purchase_id": purchase_id, "team_id": team_id,
                          "template_id": id, "template_version": "1" }),
        owner,
    }
}

fn session(pending: &Pending, payment_status: &str) -> Value {
    json!({ "id": pending.session_id, "object": "checkout.session", "mode": "payment",
            "payment_status": payment_status, "amount_total": 1000, "payment_intent": "pi_test_refund_me",
            "metadata": pending.metadata })
}

async fn ledger(owner: &PgPool) -> (String, i64, i64, i64) {
    sqlx::query_as(
        "SELECT p.status, (SELECT count(*) FROM revenue_shares),
                (SELECT coalesce(sum(amount_cents), 0)::bigint FROM revenue_shares),
                (SELECT sales_count FROM templates WHERE slug = 'ten-dollar-scout')
           FROM purchases p",
    )
    .fetch_one(owner)
    .await
    .unwrap()
}

#[tokio::test]
async fn stripe_events_are_verified_applied_once_and_never_lost() {
    let (app, _stripe) = app_with_stripe().await;
    let pending = pending_purchase(&app).await;
    let paid = event(
        "evt_paid_1",
        "checkout.session.completed",
        now(),
        session(&pending, "paid"),
    );

    // Forged, stale and unsigned events change nothing.
    assert_eq!(deliver(&app, &paid, now(), "whsec_wrong").await, 400);
    assert_eq!(deliver(&app, &paid, now() - 301, WEBHOOK_SECRET).await, 400);
    let unsigned = reqwest::Client::new()
        .post(app.url("/webhooks/stripe"))
        .body(paid.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 400);
    assert_eq!(ledger(&pending.owner).await, ("pending".into(), 0, 0, 0));

    // A completed session that is not paid yet (a bank debit) grants nothing.
    let unpaid = event(
        "evt_unpaid",
        "checkout.session.completed",
        now(),
        session(&pending, "unpaid"),
    );
    assert_eq!(deliver(&app, &unpaid, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(ledger(&pending.owner).await, ("pending".into(), 0, 0, 0));

    // The database failing answers non-2xx, so Stripe retries; nothing is half-written.
    sqlx::query("REVOKE INSERT ON revenue_shares FROM agf_app")
        .execute(&pending.owner)
        .await
        .unwrap();
    assert_eq!(deliver(&app, &paid, now(), WEBHOOK_SECRET).await, 500);
    assert_eq!(ledger(&pending.owner).await, ("pending".into(), 0, 0, 0));
    sqlx::query("GRANT INSERT ON revenue_shares TO agf_app")
        .execute(&pending.owner)
        .await
        .unwrap();

    // Ten concurrent copies of the retried event: applied exactly once.
    let deliveries = (0..10).map(|_| deliver(&app, &paid, now(), WEBHOOK_SECRET));
    let statuses = futures::future::join_all(deliveries).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(ledger(&pending.owner).await, ("paid".into(), 2, 1000, 1));
    let split: Vec<i64> =
        sqlx::query_scalar("SELECT amount_cents FROM revenue_shares ORDER BY beneficiary")
            .fetch_all(&pending.owner)
            .await
            .unwrap();
    assert_eq!(split, [700, 300]);

    // A replay later, and another event for the same session, change nothing.
    assert_eq!(deliver(&app, &paid, now(), WEBHOOK_SECRET).await, 200);
    let again = event(
        "evt_paid_2",
        "checkout.session.async_payment_succeeded",
        now(),
        session(&pending, "paid"),
    );
    assert_eq!(deliver(&app, &again, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(ledger(&pending.owner).await, ("paid".into(), 2, 1000, 1));

    // A partial refund reverses its share and keeps access; the full refund revokes it.
    let charge = |refunded: i64, full: bool| {
        json!({ "id": "ch_test_1", "object": "charge", "payment_intent": "pi_test_refund_me",
                "amount": 1000, "amount_refunded": refunded, "refunded": full })
    };
    let partial = event("evt_refund_1", "charge.refunded", now(), charge(400, false));
    assert_eq!(deliver(&app, &partial, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(ledger(&pending.owner).await, ("paid".into(), 4, 600, 1));
    let full = event("evt_refund_2", "charge.refunded", now(), charge(1000, true));
    assert_eq!(deliver(&app, &full, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(deliver(&app, &partial, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(ledger(&pending.owner).await, ("refunded".into(), 4, 0, 0));
    let reversal: Vec<i64> = sqlx::query_scalar(
        "SELECT amount_cents FROM revenue_shares WHERE kind = 'reversal' ORDER BY beneficiary",
    )
    .fetch_all(&pending.owner)
    .await
    .unwrap();
    assert_eq!(reversal, [-700, -300]);

    let seen: i64 =
        sqlx::query_scalar("SELECT count(*) FROM stripe_events WHERE processed_at IS NOT NULL")
            .fetch_one(&pending.owner)
            .await
            .unwrap();
    assert_eq!(seen, 5);
}

#[tokio::test]
async fn subscription_events_set_the_plan_in_the_order_stripe_made_them() {
    let (app, _stripe) = app_with_stripe().await;
    let (owner, _) = app.signed_up("Olive Owner").await;
    // Opening the portal creates the team's Stripe customer.
    owner.post_form("/api/billing/portal", &[]).await;
    let pool = app.owner_pool().await;
    let (team_id, customer): (uuid::Uuid, String) = sqlx::query_as(
        "SELECT id, stripe_customer_id FROM teams WHERE stripe_customer_id IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let subscription = |status: &str, tier: &str| {
        json!({ "id": "sub_test_1", "object": "subscription", "customer": customer, "status": status,
                "metadata": { "kind": "plan", "team_id": team_id, "tier": tier },
                "items": { "data": [{ "current_period_end": now() + 86_400 }] } })
    };
    let plan = || async {
        sqlx::query_scalar::<_, String>("SELECT plan::text FROM teams WHERE id = $1")
            .bind(team_id)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let t = now();
    let created = event(
        "evt_sub_1",
        "customer.subscription.created",
        t,
        subscription("active", "pro"),
    );
    assert_eq!(deliver(&app, &created, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(plan().await, "pro");
    let upgraded = event(
        "evt_sub_3",
        "customer.subscription.updated",
        t + 20,
        subscription("active", "enterprise"),
    );
    assert_eq!(deliver(&app, &upgraded, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(plan().await, "enterprise");
    // An older event arriving late does not undo the newer one.
    let late = event(
        "evt_sub_2",
        "customer.subscription.updated",
        t + 10,
        subscription("active", "pro"),
    );
    assert_eq!(deliver(&app, &late, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(plan().await, "enterprise");
    // The plan's limits apply at once: the API's rate limit follows it.
    let key: Value = owner
        .call("/api/api_keys/create", &[("name", "ci"), ("read", "on")])
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(app.url("/v1/agents"))
        .bearer_auth(key["key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-ratelimit-limit"], "1000");
    let deleted = event(
        "evt_sub_4",
        "customer.subscription.deleted",
        t + 30,
        subscription("canceled", "enterprise"),
    );
    assert_eq!(deliver(&app, &deleted, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(plan().await, "free");
}

#[tokio::test]
async fn a_refund_that_arrives_before_its_purchase_completes_is_not_lost() {
    let (app, _stripe) = app_with_stripe().await;
    let pending = pending_purchase(&app).await;
    // Stripe does not order events: the full refund comes first.
    let refund = json!({ "id": "ch_early", "object": "charge", "payment_intent": "pi_test_refund_me",
                         "amount": 1000, "amount_refunded": 1000, "refunded": true });
    let refunded = event("evt_early_refund", "charge.refunded", now(), refund);
    assert_eq!(deliver(&app, &refunded, now(), WEBHOOK_SECRET).await, 200);
    assert_eq!(ledger(&pending.owner).await, ("pending".into(), 0, 0, 0));

    let paid = event(
        "evt_late_paid",
        "checkout.session.completed",
        now(),
        session(&pending, "paid"),
    );
    assert_eq!(deliver(&app, &paid, now(), WEBHOOK_SECRET).await, 200);
    // Not granted, and the creator's sale is reversed in full.
    assert_eq!(ledger(&pending.owner).await, ("refunded".into(), 4, 0, 0));
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM early_refunds")
        .fetch_one(&pending.owner)
        .await
        .unwrap();
    assert_eq!(held, 0);
}
