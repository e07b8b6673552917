//! The marketplace through its server functions and REST API: publish, browse, search,
//! deploy, review, reply, unpublish; and paid purchases through a fake Stripe that speaks
//! Stripe's API, with the webhook applying what it reports.

use std::time::Duration;

use fake_stripe::{FakeStripe, Options};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

pub const SPEC: &str = "name: Market scout\ndescription: Sizes a market.\ninstructions: 'Size the market for {{input.idea}}'\ninputs:\n  idea: {type: string, required: true}\n";
pub const WEBHOOK_SECRET: &str = "whsec_test_marketplace";

/// An agent in the caller's team; returns its id.
pub async fn create_agent(app: &TestApp, spec: &str) -> String {
    let response = app.post_form("/api/agents/create", &[("spec", spec)]).await;
    assert!(response.status().is_success(), "{}", response.status());
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// Publishes `agent_id`; returns the listing.
pub async fn publish(app: &TestApp, agent_id: &str, title: &str, price: &str) -> Value {
    try_publish(app, agent_id, title, price).await.unwrap()
}

/// Publishes `agent_id`: the listing, or the refusal's status and body.
pub async fn try_publish(
    app: &TestApp,
    agent_id: &str,
    title: &str,
    price: &str,
) -> Result<Value, (u16, String)> {
    app.call(
        "/api/marketplace/publish",
        &[
            ("agent_id", agent_id),
            ("title", title),
            ("summary", "Sizes a market and names its competitors."),
            (
                "description_md",
                "# How it works\n\nAsks **three** questions. <script>alert(1)</script>",
            ),
            ("category", "research"),
            ("tags", "Market, research, market"),
            ("price", price),
        ],
    )
    .await
}

async fn template(app: &TestApp, slug: &str) -> Value {
    app.call("/api/marketplace/template", &[("slug", slug)])
        .await
        .unwrap()
}

/// Where a redirecting server function sent the browser.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn publish_browse_deploy_review_and_unpublish_a_free_template() {
    let app = spawn_app().await;
    let (creator, _) = app.signed_up("Cleo Creator").await;
    let (buyer, _) = app.signed_up("Bo Buyer").await;
    let agent_id = create_agent(&creator, SPEC).await;

    // Bad input is refused and creates nothing.
    for (field, value) in [("price", "0.10"), ("category", "toys"), ("title", "")] {
        let mut form = vec![
            ("agent_id", agent_id.as_str()),
            ("title", "Scout"),
            ("summary", "s"),
            ("description_md", ""),
            ("category", "research"),
            ("tags", ""),
            ("price", ""),
        ];
        form.retain(|(name, _)| *name != field);
        form.push((field, value));
        let (status, body) = creator
            .call::<Value>("/api/marketplace/publish", &form)
            .await
            .unwrap_err();
        assert_eq!(status, 422, "{field}: {body}");
    }
    let none: Value = reqwest::get(app.url("/v1/templates"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);

    let listing = publish(&creator, &agent_id, "Market Scout", "").await;
    assert_eq!(listing["slug"], "market-scout");
    assert_eq!(listing["version"], 1);
    assert_eq!(
        listing["form"]["tags"],
        serde_json::json!(["market", "research"])
    );

    // Browse and search, on the web and through the API.
    let page: Value = buyer
        .call(
            "/api/marketplace/browse",
            &[
                ("query[search]", "competitors"),
                ("query[sort]", "recent"),
                ("query[page]", "1"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["templates"][0]["slug"], "market-scout");
    let missing: Value = buyer
        .call(
            "/api/marketplace/browse",
            &[
                ("query[search]", "spreadsheets"),
                ("query[sort]", "popular"),
                ("query[page]", "1"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(missing["total"], 0);
    let api: Value =
        reqwest::get(app.url("/v1/templates?q=market&category=research&sort=top_rated"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(api["templates"][0]["price_cents"], 0);
    let bad = reqwest::get(app.url("/v1/templates?sort=cheapest"))
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);

    // The page: safe HTML, the spec, what the buyer may do.
    let view = template(&buyer, "market-scout").await;
    let html = view["description_html"].as_str().unwrap();
    assert!(
        html.contains("<strong>three</strong>") && !html.contains("<script"),
        "{html}"
    );
    assert_eq!(view["spec_yaml"], SPEC);
    assert_eq!(view["access"]["can_deploy"], true);
    assert_eq!(view["access"]["deployed"], false);

    // Reviews need a deploy first.
    let template_id = view["card"]["id"].as_str().unwrap().to_string();
    let review = [
        ("template_id", template_id.as_str()),
        ("rating", "4"),
        ("body", "Useful."),
    ];
    assert_eq!(buyer.refused("/api/marketplace/review", &review).await, 409);

    // One click: a new agent in the buyer's team, opened.
    let response = buyer
        .post_form("/api/marketplace/deploy", &[("template_id", &template_id)])
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let target = location(&response);
    let new_agent = target
        .strip_prefix("/agents/")
        .expect("opens the new agent");
    let agent: Value = buyer
        .call("/api/agents/get", &[("id", new_agent)])
        .await
        .unwrap();
    assert_eq!(agent["name"], "Market scout");

    buyer
        .call::<Value>("/api/marketplace/review", &review)
        .await
        .unwrap();
    // Writing again rewrites the one review.
    buyer
        .call::<Value>(
            "/api/marketplace/review",
            &[
                ("template_id", template_id.as_str()),
                ("rating", "5"),
                ("body", "Great."),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        buyer
            .refused(
                "/api/marketplace/review",
                &[
                    ("template_id", template_id.as_str()),
                    ("rating", "6"),
                    ("body", "")
                ]
            )
            .await,
        422
    );
    // The creator cannot review their own template, but replies.
    assert_eq!(
        creator.refused("/api/marketplace/review", &review).await,
        409
    );
    let view = template(&creator, "market-scout").await;
    assert_eq!(view["card"]["deploy_count"], 1);
    assert_eq!(view["card"]["rating"], 5.0);
    assert_eq!(view["histogram"], serde_json::json!([0, 0, 0, 0, 1]));
    assert_eq!(view["reviews"][0]["author"], "Bo Buyer");
    let review_id = view["reviews"][0]["id"].as_str().unwrap().to_string();
    creator
        .call::<Value>(
            "/api/marketplace/reply",
            &[("review_id", &review_id), ("reply", "Thanks!")],
        )
        .await
        .unwrap();
    // Nobody else can reply.
    assert_eq!(
        buyer
            .refused(
                "/api/marketplace/reply",
                &[("review_id", &review_id), ("reply", "Me too")]
            )
            .await,
        404
    );
    let view = template(&buyer, "market-scout").await;
    assert_eq!(view["reviews"][0]["reply"], "Thanks!");
    assert_eq!(view["access"]["my_review"]["rating"], 5);
    // The cached browse page shows the new rating at once (reviews invalidate it).
    let api: Value = reqwest::get(app.url("/v1/templates?q=market"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["templates"][0]["rating"], 5.0);
    assert_eq!(api["templates"][0]["deploy_count"], 1);

    // Publishing again without a change keeps the version; after an edit it adds one.
    assert_eq!(
        publish(&creator, &agent_id, "Market Scout", "").await["version"],
        1
    );
    creator
        .call::<Value>(
            "/api/agents/save_version",
            &[
                ("agent_id", agent_id.as_str()),
                (
                    "spec",
                    &SPEC.replace("Sizes a market.", "Sizes any market."),
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        publish(&creator, &agent_id, "Market Scout", "").await["version"],
        2
    );

    // Only the creator's team manages the listing.
    assert_eq!(
        buyer
            .refused("/api/marketplace/unpublish", &[("agent_id", &agent_id)])
            .await,
        404
    );
    creator
        .call::<Value>("/api/marketplace/unpublish", &[("agent_id", &agent_id)])
        .await
        .unwrap();
    assert_eq!(
        buyer
            .refused("/api/marketplace/template", &[("slug", "market-scout")])
            .await,
        404
    );
    let api: Value = reqwest::get(app.url("/v1/templates"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["total"], 0);
}

#[tokio::test]
async fn paid_templates_need_stripe_and_say_so() {
    let app = spawn_app().await;
    let (creator, _) = app.signed_up("Cleo Creator").await;
    let (buyer, _) = app.signed_up("Bo Buyer").await;
    let agent_id = create_agent(&creator, SPEC).await;
    publish(&creator, &agent_id, "Paid Scout", "12").await;
    let view = template(&buyer, "paid-scout").await;
    assert_eq!(view["card"]["price_cents"], 1200);
    assert_eq!(view["access"]["can_deploy"], false);
    assert_eq!(view["access"]["payments_enabled"], false);
    let id = view["card"]["id"].as_str().unwrap().to_string();
    let (status, body) = buyer
        .call::<Value>("/api/marketplace/buy", &[("template_id", &id)])
        .await
        .unwrap_err();
    assert_eq!(status, 503);
    assert!(body.contains("STRIPE_SECRET_KEY"), "{body}");
    assert_eq!(
        buyer
            .refused("/api/marketplace/deploy", &[("template_id", &id)])
            .await,
        409
    );
}

/// A server wired to a fake Stripe whose events come back to its webhook.
pub async fn app_with_stripe() -> (TestApp, FakeStripe) {
    let stripe = FakeStripe::start(
        "127.0.0.1:0",
        Options {
            webhook_url: None,
            webhook_secret: WEBHOOK_SECRET.into(),
            secret_key: Some("sk_test_agent_factory".into()),
            event_delay: Duration::from_millis(50),
        },
    )
    .await
    .unwrap();
    let app = spawn_app_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_agent_factory"),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("STRIPE_API_BASE", &stripe.base_url()),
        ("STRIPE_CONNECT", "true"),
    ])
    .await;
    stripe.set_webhook_url(&app.url("/webhooks/stripe"));
    (app, stripe)
}

/// Presses a button on one of the fake Stripe's pages (a form post), without following
/// where it sends the browser next.
pub async fn press(url: String) -> reqwest::Response {
    crate::helpers::browser_like_client()
        .post(url)
        .send()
        .await
        .unwrap()
}

/// Polls until `check` holds (Stripe's events arrive in the background).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen");
}

#[tokio::test]
async fn a_paid_template_is_bought_through_checkout_and_shared_70_30() {
    let (app, stripe) = app_with_stripe().await;
    let (creator, _) = app.signed_up("Cleo Creator").await;
    let (buyer, _) = app.signed_up("Bo Buyer").await;
    let agent_id = create_agent(&creator, SPEC).await;
    publish(&creator, &agent_id, "Pro Scout", "9.99").await;
    let view = template(&buyer, "pro-scout").await;
    let id = view["card"]["id"].as_str().unwrap().to_string();
    assert_eq!(view["access"]["payments_enabled"], true);

    // Buying opens Stripe Checkout at our price, never one the client sent.
    let response = buyer
        .post_form(
            "/api/marketplace/buy",
            &[("template_id", &id), ("price", "1")],
        )
        .await;
    let checkout = location(&response);
    assert!(
        checkout.starts_with(&format!("{}/checkout/cs_test_", stripe.base_url())),
        "{checkout}"
    );
    let calls = stripe.requests();
    let customer = calls.iter().find(|r| r.path == "/v1/customers").unwrap();
    assert!(
        customer
            .idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("customer-")
    );
    let session = calls
        .iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    assert_eq!(
        session.param("line_items[0][price_data][unit_amount]"),
        Some("999")
    );
    assert_eq!(session.param("mode"), Some("payment"));
    assert_eq!(session.param("metadata[template_id]"), Some(id.as_str()));
    assert!(
        session
            .idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("purchase-")
    );
    let session_id = checkout.rsplit('/').next().unwrap().to_string();

    // Coming back before Stripe confirms grants nothing.
    let state: Value = buyer
        .call("/api/marketplace/purchase", &[("session_id", &session_id)])
        .await
        .unwrap();
    assert_eq!(state, "pending");
    assert_eq!(
        buyer
            .refused("/api/marketplace/deploy", &[("template_id", &id)])
            .await,
        409
    );

    // Pay on Stripe's page; its webhook marks the purchase paid.
    let paid = press(format!("{checkout}/pay")).await;
    assert!(location(&paid).contains(&format!(
        "/marketplace/pro-scout/purchase?session_id={session_id}"
    )));
    eventually("the purchase is confirmed", || async {
        let state: Value = buyer
            .call("/api/marketplace/purchase", &[("session_id", &session_id)])
            .await
            .unwrap();
        state == "paid"
    })
    .await;

    let owner = app.owner_pool().await;
    let shares: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT beneficiary, kind, amount_cents FROM revenue_shares ORDER BY beneficiary",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(
        shares,
        [
            ("creator".into(), "sale".into(), 699),
            ("platform".into(), "sale".into(), 300)
        ]
    );
    let sales: i64 =
        sqlx::query_scalar("SELECT sales_count FROM templates WHERE slug = 'pro-scout'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(sales, 1);

    // Owned: deploy works, buying again is refused.
    let view = template(&buyer, "pro-scout").await;
    assert_eq!(view["access"]["can_deploy"], true);
    let (status, body) = buyer
        .call::<Value>("/api/marketplace/buy", &[("template_id", &id)])
        .await
        .unwrap_err();
    assert_eq!(status, 409, "{body}");
    let response = buyer
        .post_form("/api/marketplace/deploy", &[("template_id", &id)])
        .await;
    assert!(location(&response).starts_with("/agents/"));

    // The creator's earnings.
    let earnings: Value = creator
        .call("/api/marketplace/earnings", &[])
        .await
        .unwrap();
    assert_eq!(earnings["pending_payout_cents"], 699);
    assert_eq!(earnings["sales"][0]["amount_cents"], 999);
    assert_eq!(earnings["sales"][0]["creator_cents"], 699);
    assert_eq!(earnings["months"][0]["gross_cents"], 999);
    assert_eq!(earnings["connect"], "not_started");
    let response = creator.post_form("/api/marketplace/connect", &[]).await;
    assert!(location(&response).starts_with(&format!("{}/connect/acct_test_", stripe.base_url())));
    let earnings: Value = creator
        .call("/api/marketplace/earnings", &[])
        .await
        .unwrap();
    assert_eq!(earnings["connect"], "onboarding");
}

#[tokio::test]
async fn plans_are_upgraded_through_checkout_and_cancelled_in_the_portal() {
    let (app, stripe) = app_with_stripe().await;
    let (owner, _) = app.signed_up("Olive Owner").await;
    let overview: Value = owner.call("/api/billing/overview", &[]).await.unwrap();
    assert_eq!(overview["current"], "free");
    assert_eq!(overview["plans"].as_array().unwrap().len(), 3);
    assert_eq!(
        owner
            .refused("/api/billing/upgrade", &[("tier", "platinum")])
            .await,
        422
    );

    let response = owner
        .post_form("/api/billing/upgrade", &[("tier", "pro")])
        .await;
    let checkout = location(&response);
    let session = stripe
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    assert_eq!(session.param("mode"), Some("subscription"));
    assert_eq!(
        session.param("line_items[0][price_data][unit_amount]"),
        Some("4900")
    );
    assert_eq!(
        session.param("line_items[0][price_data][recurring][interval]"),
        Some("month")
    );
    assert_eq!(
        session.param("subscription_data[metadata][tier]"),
        Some("pro")
    );
    press(format!("{checkout}/pay")).await;
    eventually("the plan becomes Pro", || async {
        let overview: Value = owner.call("/api/billing/overview", &[]).await.unwrap();
        overview["current"] == "pro" && overview["subscription_status"] == "active"
    })
    .await;
    // A second subscription is refused while one is live.
    assert_eq!(
        owner
            .refused("/api/billing/upgrade", &[("tier", "enterprise")])
            .await,
        409
    );

    // Stripe's portal cancels it; the team is back on Free.
    let response = owner.post_form("/api/billing/portal", &[]).await;
    let portal = location(&response);
    assert!(
        portal.starts_with(&format!("{}/portal/", stripe.base_url())),
        "{portal}"
    );
    press(format!("{portal}/cancel")).await;
    eventually("the plan goes back to Free", || async {
        let overview: Value = owner.call("/api/billing/overview", &[]).await.unwrap();
        overview["current"] == "free"
    })
    .await;
    // Members cannot change the plan.
    let pool = app.owner_pool().await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action = 'billing.plan_changed' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(actions.len(), 2);
}
