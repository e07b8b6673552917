//! A share link's chat embedded on other sites, through the running server: only the
//! sites the link lists may frame it or load the widget's settings; a visitor in an
//! embedded chat carries a session instead of our cookie; a site's signed-in users are
//! known by tokens it signs (forged, expired, long-lived, or another agent's: refused),
//! find their conversations from any device, are held to their daily quota, and their
//! use shows per person.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conversations::{agent, plain_post};
use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with};
use crate::rest::{key as new_key, send};
use crate::shares::{answered_page, path_of, share};

const SITE: &str = "https://shop.example";

/// An HS256 token for `sub`, as the embedding site's server signs it.
fn user_token(secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn in_minutes(minutes: i64) -> i64 {
    chrono::Utc::now().timestamp() + minutes * 60
}

/// A message through the link's form, as the embedded page posts it.
async fn say(
    visitor: &TestApp,
    token: &str,
    session: &str,
    conversation: Option<&str>,
    content: &str,
) -> Result<Value, (u16, String)> {
    let mut form = vec![("token", token), ("session", session), ("content", content)];
    if let Some(conversation) = conversation {
        form.push(("conversation", conversation));
    }
    visitor.call::<Value>("/api/c/say", &form).await
}

/// A browser in a frame on another site: our cookies are not sent there.
fn without_cookies(app: &TestApp) -> TestApp {
    let mut visitor = app.another_visitor();
    visitor.http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    visitor
}

fn with_session(path: &str, session: &str) -> String {
    format!("{path}?session={session}")
}

#[tokio::test]
async fn only_listed_sites_embed_the_chat_and_their_signed_users_are_known_by_their_tokens() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let key = new_key(&app, &["read", "run", "admin"]).await;
    let id = agent(
        &app,
        &key,
        json!({ "name": "Shop helper", "instructions": "Help shoppers." }),
    )
    .await;

    // A site's address must be an origin: refused, and nothing is made.
    for bad in [
        "ftp://shop.example",
        "https://shop.example/help",
        "shop.example",
    ] {
        let (status, refused) = share(
            &app,
            &key,
            &id,
            json!({ "enabled": true, "daily_budget": 1_000_000, "allowed_origins": [bad] }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {refused}");
        assert!(refused.to_string().contains("Allowed sites"), "{refused}");
    }
    let (status, _, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{id}/share"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, link) = share(
        &app,
        &key,
        &id,
        json!({ "enabled": true, "daily_budget": 1_000_000, "allowed_origins": [format!("{SITE}/")] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert_eq!(link["allowed_origins"], json!([SITE]));
    assert_eq!(link["signed_users_only"], false);
    let (path, token) = path_of(&link);
    let secret = link["embed_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32, "{link}");
    let snippet = link["embed_snippet"].as_str().unwrap();
    assert!(
        snippet.contains(&format!("{}/embed.js", app.url(""))) && snippet.contains(&token),
        "{snippet}"
    );
    // The secret is sealed: nowhere in the database as it is.
    let pool = app.owner_pool().await;
    let plain: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM agent_shares WHERE position(convert_to($1, 'UTF8') IN embed_secret_ciphertext) > 0",
    )
    .bind(&secret)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(plain, 0);
    // Saving without the embed fields keeps them.
    let (_, kept) = share(
        &app,
        &key,
        &id,
        json!({ "enabled": true, "daily_budget": 2_000_000 }),
    )
    .await;
    assert_eq!(kept["allowed_origins"], json!([SITE]));
    assert_eq!(kept["embed_secret"], secret.as_str());

    // The widget: small, and its settings answer the listed site alone (CORS).
    let script = app.get("/embed.js").await;
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let script = script.text().await.unwrap();
    assert!(
        script.len() < 6 * 1024,
        "embed.js is {} bytes",
        script.len()
    );
    let config = |origin: Option<&str>| {
        let mut request = app.http.get(app.url(&format!("{path}/embed.json")));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let allowed = config(Some(SITE)).await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["access-control-allow-origin"], SITE);
    let settings: Value = allowed.json().await.unwrap();
    assert_eq!(settings["name"], "Shop helper");
    for origin in [
        Some("https://evil.example"),
        Some("http://shop.example"),
        None,
    ] {
        let refused = config(origin).await.unwrap();
        assert_eq!(refused.status(), 403, "{origin:?}");
        assert!(
            !refused
                .headers()
                .contains_key("access-control-allow-origin")
        );
    }

    // The link's pages may be framed by the listed site only; every other page by none.
    let page = app.another_visitor().get(&path).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains(&format!("frame-ancestors {SITE};")), "{csp}");
    assert!(!page.headers().contains_key("x-frame-options"));
    let signin = app.another_visitor().get("/signin").await;
    let csp = signin.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(signin.headers()["x-frame-options"], "DENY");

    // Embedded, no cookie of ours crosses sites: the widget's own id is the session,
    // which the page carries in its links and forms.
    let browser = without_cookies(&app);
    let session = "Anonymous-browser-id-0123456789abcdefghijk";
    let posted = say(
        &browser,
        &token,
        session,
        None,
        "[fake:reply=Welcome to the shop] Hi",
    )
    .await
    .unwrap();
    let conversation = posted["conversation_id"].as_str().unwrap().to_owned();
    let opened = format!("{path}/{conversation}");
    let page = answered_page(&browser, &with_session(&opened, session)).await;
    assert!(page.contains("Welcome to the shop"), "{page}");
    assert!(
        page.contains(&format!("{path}?session={session}")),
        "links keep the session: {page}"
    );
    assert_eq!(browser.get(&opened).await.status(), 404);
    let other = "Another-browser-id-0123456789abcdefghijklm";
    assert_eq!(
        browser.get(&with_session(&opened, other)).await.status(),
        404
    );
    // A refused form comes back to the page it was posted from, session and all.
    let back = plain_post(
        &browser,
        &with_session(&opened, session),
        "/api/c/say",
        &[
            ("token", &token),
            ("session", session),
            ("conversation", &conversation),
            ("content", " "),
        ],
    )
    .await;
    assert!(back.starts_with(&with_session(&opened, session)), "{back}");

    // Only the site's signed-in users, now.
    let (status, link) = share(
        &app,
        &key,
        &id,
        json!({ "enabled": true, "daily_budget": 1_000_000, "signed_users_only": true }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let refused = say(&browser, &token, session, Some(&conversation), "Again")
        .await
        .unwrap_err();
    assert_eq!(refused.0, 401, "{refused:?}");
    assert!(refused.1.contains("signed-in users"), "{refused:?}");
    let bare = app.another_visitor().get(&path).await;
    assert_eq!(bare.status(), 401);
    assert!(bare.text().await.unwrap().contains("signed-in users"));

    // A signed user: known by their site's id, on any device.
    let ada = user_token(
        &secret,
        json!({ "sub": "user-1", "name": "Ada", "exp": in_minutes(10), "daily_messages": 2 }),
    );
    let posted = say(&browser, &token, &ada, None, "[fake:reply=Hello Ada] Hi")
        .await
        .unwrap();
    let ada_conversation = posted["conversation_id"].as_str().unwrap().to_owned();
    let run = posted["run_id"].as_str().unwrap().to_owned();
    let ada_page = format!("{path}/{ada_conversation}");
    let page = answered_page(&browser, &with_session(&ada_page, &ada)).await;
    assert!(
        page.contains("Hello Ada") && page.contains("Signed in as Ada"),
        "{page}"
    );
    let phone = without_cookies(&app);
    let ada_again = user_token(&secret, json!({ "sub": "user-1", "exp": in_minutes(5) }));
    let page = phone
        .get(&with_session(&path, &ada_again))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&ada_conversation), "{page}");
    // Their answer's events are theirs to follow, and no one else's.
    let events = phone
        .get(&format!("{path}/runs/{run}/events?session={ada_again}"))
        .await;
    assert_eq!(events.status(), 200);
    let bob = user_token(
        &secret,
        json!({ "sub": "user-2", "name": "Bob", "exp": in_minutes(10) }),
    );
    assert_eq!(
        phone
            .get(&format!("{path}/runs/{run}/events?session={bob}"))
            .await
            .status(),
        404
    );
    let page = phone
        .get(&with_session(&path, &bob))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&ada_conversation), "{page}");
    assert_eq!(
        phone.get(&with_session(&ada_page, &bob)).await.status(),
        404
    );

    // Their daily quota: the second message passes, the third is refused.
    say(
        &browser,
        &token,
        &ada,
        Some(&ada_conversation),
        "[fake:reply=Sure] More?",
    )
    .await
    .unwrap();
    answered_page(&browser, &with_session(&ada_page, &ada)).await;
    let refused = say(&browser, &token, &ada, Some(&ada_conversation), "Once more")
        .await
        .unwrap_err();
    assert_eq!(refused.0, 429, "{refused:?}");
    assert!(
        refused.1.contains("your 2 messages for today"),
        "{refused:?}"
    );

    // Tokens that do not prove who the user is.
    let other_agent = agent(
        &app,
        &key,
        json!({ "name": "Other shop", "instructions": "Help." }),
    )
    .await;
    let (_, other_link) = share(
        &app,
        &key,
        &other_agent,
        json!({ "enabled": true, "daily_budget": 1_000_000 }),
    )
    .await;
    let other_secret = other_link["embed_secret"].as_str().unwrap();
    let unproven = [
        (
            "forged",
            user_token(
                "not the secret",
                json!({ "sub": "user-1", "exp": in_minutes(10) }),
            ),
        ),
        (
            "expired",
            user_token(&secret, json!({ "sub": "user-1", "exp": in_minutes(-10) })),
        ),
        (
            "another agent's",
            user_token(
                other_secret,
                json!({ "sub": "user-1", "exp": in_minutes(10) }),
            ),
        ),
        (
            "a week long",
            user_token(
                &secret,
                json!({ "sub": "user-1", "exp": in_minutes(7 * 24 * 60) }),
            ),
        ),
        (
            "without an id",
            user_token(&secret, json!({ "exp": in_minutes(10) })),
        ),
    ];
    for (what, forged) in &unproven {
        let refused = say(&browser, &token, forged, None, "Let me in")
            .await
            .unwrap_err();
        assert_eq!(refused.0, 401, "{what}: {refused:?}");
        assert!(
            refused.1.contains("could not confirm who you are"),
            "{what}: {refused:?}"
        );
        let page = phone.get(&with_session(&path, forged)).await;
        assert_eq!(page.status(), 401, "{what}");
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("could not confirm who you are")
        );
    }

    // A new secret: tokens signed with the old one are refused at once.
    let (status, rotated, _) = send(
        &app,
        Method::POST,
        &format!("/v1/agents/{id}/share/embed-secret/rotate"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["embed_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(phone.get(&with_session(&path, &ada)).await.status(), 401);
    let fresh = user_token(
        new_secret,
        json!({ "sub": "user-1", "exp": in_minutes(10) }),
    );
    assert_eq!(phone.get(&with_session(&path, &fresh)).await.status(), 200);

    // Their use, per person: over the API and on the dashboard, for this team only.
    let (status, usage, _) =
        send(&app, Method::GET, "/v1/usage/end-users?days=7", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    let rows = usage.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{usage}");
    assert_eq!(rows[0]["end_user"], "user-1");
    assert_eq!(rows[0]["name"], "Ada");
    assert_eq!(rows[0]["agent_id"], id.as_str());
    assert_eq!(rows[0]["conversations"], 1);
    assert_eq!(rows[0]["messages"], 2);
    assert!(rows[0]["cost"].as_i64().unwrap() > 0, "{usage}");
    let (status, _, _) = send(&app, Method::GET, "/v1/usage/end-users?days=0", &key, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let dashboard = app.get("/dashboard?range=7").await.text().await.unwrap();
    assert!(
        dashboard.contains("End users of embedded chats") && dashboard.contains("Ada"),
        "{dashboard}"
    );
    let (other_team, _) = app.signed_up("Another Owner").await;
    let other_key = new_key(&other_team, &["read"]).await;
    let (_, theirs, _) = send(
        &other_team,
        Method::GET,
        "/v1/usage/end-users",
        &other_key,
        None,
    )
    .await;
    assert_eq!(theirs, json!([]));
}
