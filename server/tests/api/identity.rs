//! Sign-in through an OpenID Connect provider, against fake-oidc over real HTTP: the
//! redirects, PKCE, the code exchange and an RS256 ID token checked against the
//! provider's published keys. New accounts from a verified email, linking by a verified
//! email only, tokens with a wrong nonce, audience, expiry or signature refused, a
//! replayed callback refused, and unlinking only while another way in remains. GitHub
//! (OAuth 2 and its API) against the same fake's GitHub side.

use fake_oidc::{FakeOidc, Options};
use reqwest::header::LOCATION;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};

pub(crate) const CLIENT_ID: &str = "agent-factory-test";
pub(crate) const CLIENT_SECRET: &str = "a client secret";

async fn app_with_provider() -> (TestApp, FakeOidc) {
    let options = Options {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
    };
    let provider = FakeOidc::start("127.0.0.1:0", options).await.unwrap();
    let app = spawn_app_with(&[
        ("OIDC_ISSUER", &provider.issuer()),
        ("OIDC_CLIENT_ID", CLIENT_ID),
        ("OIDC_CLIENT_SECRET", CLIENT_SECRET),
        ("OIDC_LABEL", "Acme SSO"),
    ])
    .await;
    (app, provider)
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no redirect: {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Who signs in at the provider, and what the provider gets wrong.
pub(crate) struct Person<'a> {
    pub email: &'a str,
    pub verified: bool,
    pub fault: &'a str,
}

/// The whole round trip in `visitor`'s browser: our start, the provider's page, back to
/// our callback. Returns where our callback sent the browser.
pub(crate) async fn through_provider(visitor: &TestApp, start: &str, person: Person<'_>) -> String {
    let to_provider = location(&visitor.get(start).await);
    let url = reqwest::Url::parse(&to_provider).unwrap();
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["code_challenge_method"], "S256");
    let provider = start.split('/').nth(2).unwrap();
    if provider == "oidc" {
        assert!(query["scope"].contains("openid"), "{to_provider}");
    }
    let page = visitor.http.get(to_provider.as_str()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let mut form = vec![
        ("client_id", query["client_id"].clone()),
        ("redirect_uri", query["redirect_uri"].clone()),
        ("state", query["state"].clone()),
        ("nonce", query.get("nonce").cloned().unwrap_or_default()),
        ("code_challenge", query["code_challenge"].clone()),
        ("email", person.email.to_owned()),
        ("name", "Ida Identity".to_owned()),
        ("fault", person.fault.to_owned()),
    ];
    if person.verified {
        form.push(("email_verified", "true".to_owned()));
    }
    let consent = visitor
        .http
        .post(url.join("/authorize").unwrap())
        .form(&form)
        .send()
        .await
        .unwrap();
    let callback = location(&consent);
    assert!(
        callback.starts_with(&format!("{}?", query["redirect_uri"])),
        "{callback}"
    );
    let back = visitor.http.get(callback.as_str()).send().await.unwrap();
    let landed = location(&back);
    // The same callback again (a replay, a double click) opens nothing.
    let again = visitor.http.get(callback.as_str()).send().await.unwrap();
    assert!(
        location(&again).ends_with("?sso=expired"),
        "{}",
        location(&again)
    );
    landed
}

pub(crate) fn person(email: &str) -> Person<'_> {
    Person {
        email,
        verified: true,
        fault: "none",
    }
}

pub(crate) async fn viewer(visitor: &TestApp) -> Value {
    visitor.call("/api/auth/viewer", &[]).await.unwrap()
}

#[tokio::test]
async fn a_verified_email_makes_an_account_and_the_identity_signs_it_in_again() {
    let (app, _provider) = app_with_provider().await;
    let providers: Value = app.call("/api/auth/identity_providers", &[]).await.unwrap();
    assert_eq!(
        providers,
        serde_json::json!([{ "id": "oidc", "label": "Acme SSO" }])
    );
    let page = app.get("/signin").await.text().await.unwrap();
    assert!(
        page.contains(r#"href="/auth/oidc/start?next="#) && page.contains("Acme SSO"),
        "no button on the sign-in page: {page}"
    );

    let email = crate::helpers::unique_email();
    let visitor = app.another_visitor();
    let landed = through_provider(&visitor, "/auth/oidc/start?next=/agents", person(&email)).await;
    assert_eq!(landed, "/agents");
    let me = viewer(&visitor).await;
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["display_name"], "Ida Identity");
    assert_eq!(me["needs_email_verification"], false);
    assert_eq!(me["passwordless"], true, "made through the provider");

    // Next time the identity itself opens the same account.
    let later = app.another_visitor();
    assert_eq!(
        through_provider(&later, "/auth/oidc/start", person(&email)).await,
        "/dashboard"
    );
    assert_eq!(viewer(&later).await["user_id"], me["user_id"]);
    let linked: Value = later.call("/api/profile/identities", &[]).await.unwrap();
    assert_eq!(linked.as_array().unwrap().len(), 1);
    assert_eq!(linked[0]["label"], "Acme SSO");
    // Its only way in cannot be unlinked.
    let id = linked[0]["id"].as_str().unwrap();
    assert_eq!(
        later
            .refused("/api/profile/unlink_identity", &[("id", id)])
            .await,
        409
    );

    // A deleted account's identity opens nothing: the same person starts afresh.
    later
        .call::<Value>("/api/profile/delete", &[("confirmation", &email)])
        .await
        .unwrap();
    let again = app.another_visitor();
    through_provider(&again, "/auth/oidc/start", person(&email)).await;
    let fresh = viewer(&again).await;
    assert_eq!(fresh["email"], email.as_str());
    assert_ne!(fresh["user_id"], me["user_id"]);
}

#[tokio::test]
async fn an_existing_account_is_linked_only_through_an_email_the_provider_verified() {
    let (app, _provider) = app_with_provider().await;
    let (owner, email) = app.signed_up("Paula Password").await;

    let stranger = app.another_visitor();
    let unverified = Person {
        email: &email,
        verified: false,
        fault: "none",
    };
    assert_eq!(
        through_provider(&stranger, "/auth/oidc/start", unverified).await,
        "/signin?sso=unverified"
    );
    assert_eq!(
        stranger.get("/dashboard").await.status(),
        303,
        "not signed in"
    );
    let nothing: Value = owner.call("/api/profile/identities", &[]).await.unwrap();
    assert_eq!(nothing, serde_json::json!([]));

    let visitor = app.another_visitor();
    through_provider(&visitor, "/auth/oidc/start", person(&email)).await;
    let me = viewer(&visitor).await;
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["passwordless"], false, "the account keeps its password");
    let linked: Value = owner.call("/api/profile/identities", &[]).await.unwrap();
    let id = linked[0]["id"].as_str().unwrap().to_owned();
    // With a password as well, it can be unlinked; then it no longer opens the account
    // by itself (the verified email links it again).
    owner
        .call::<Value>("/api/profile/unlink_identity", &[("id", &id)])
        .await
        .unwrap();
    let pool = app.owner_pool().await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'user.identity%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(actions, ["user.identity_linked", "user.identity_unlinked"]);
}

#[tokio::test]
async fn tokens_the_provider_got_wrong_are_refused() {
    let (app, _provider) = app_with_provider().await;
    for fault in ["wrong_nonce", "wrong_audience", "expired", "bad_signature"] {
        let email = crate::helpers::unique_email();
        let visitor = app.another_visitor();
        let faulty = Person {
            email: &email,
            verified: true,
            fault,
        };
        assert_eq!(
            through_provider(&visitor, "/auth/oidc/start", faulty).await,
            "/signin?sso=refused",
            "{fault}"
        );
        assert_eq!(visitor.get("/dashboard").await.status(), 303, "{fault}");
    }
    let pool = app.owner_pool().await;
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM user_identities")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0, "nothing was linked or made");
    // A state that was never ours, and an unknown provider.
    let visitor = app.another_visitor();
    let forged = visitor.get("/auth/oidc/callback?code=x&state=forged").await;
    assert_eq!(location(&forged), "/signin?sso=expired");
    let unknown = visitor.get("/auth/nobody/start").await;
    assert_eq!(location(&unknown), "/signin?sso=expired");
}

#[tokio::test]
async fn github_signs_in_with_the_address_it_verified() {
    let options = Options {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
    };
    let github = FakeOidc::start("127.0.0.1:0", options).await.unwrap();
    let app = spawn_app_with(&[
        ("GITHUB_CLIENT_ID", CLIENT_ID),
        ("GITHUB_CLIENT_SECRET", CLIENT_SECRET),
        ("GITHUB_WEB_BASE", &github.issuer()),
        ("GITHUB_API_BASE", &github.issuer()),
    ])
    .await;
    let email = crate::helpers::unique_email();
    let visitor = app.another_visitor();
    let landed =
        through_provider(&visitor, "/auth/github/start?next=/agents", person(&email)).await;
    assert_eq!(landed, "/agents");
    assert_eq!(viewer(&visitor).await["email"], email.as_str());
    let linked: Value = visitor.call("/api/profile/identities", &[]).await.unwrap();
    assert_eq!(linked[0]["label"], "GitHub");

    // An address GitHub has not verified makes no account.
    let other = crate::helpers::unique_email();
    let unverified = Person {
        email: &other,
        verified: false,
        fault: "none",
    };
    let stranger = app.another_visitor();
    assert_eq!(
        through_provider(&stranger, "/auth/github/start", unverified).await,
        "/signin?sso=no_email"
    );
}
