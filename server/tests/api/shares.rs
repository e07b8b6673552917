//! Share links through the running server: anyone with an agent's link chats without an
//! account, sees only their own conversations and none of the agent's workings; the
//! link can be turned off and given a new address; messages are limited per address
//! and per link, and the link's daily budget holds with fifty visitors at once.

use std::net::{IpAddr, Ipv4Addr};

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conversations::{agent, plain_post};
use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with};
use crate::rest::{key as new_key, send};

/// The link's settings, as its admin sets them; returns the link.
pub async fn share(app: &TestApp, key: &str, agent: &str, settings: Value) -> (StatusCode, Value) {
    let (status, link, _) = send(
        app,
        Method::PUT,
        &format!("/v1/agents/{agent}/share"),
        key,
        Some(settings),
    )
    .await;
    (status, link)
}

/// The path and token of a link's address.
pub fn path_of(link: &Value) -> (String, String) {
    let url = link["url"].as_str().unwrap();
    let path = &url[url.find("/c/").unwrap()..];
    (path.to_owned(), path.trim_start_matches("/c/").to_owned())
}

/// A browser of its own (own cookies), connecting from `address`.
fn visitor_from(app: &TestApp, address: Ipv4Addr) -> TestApp {
    let mut visitor = app.another_visitor();
    visitor.http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::V4(address))
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    visitor
}

/// A new agent from `spec` whose link is on with this daily budget: the agent and the
/// link's token.
async fn shared_agent(
    app: &TestApp,
    key: &str,
    spec: Value,
    daily_budget: i64,
) -> (String, String) {
    let id = agent(app, key, spec).await;
    let settings = json!({ "enabled": true, "daily_budget": daily_budget });
    let (status, link) = share(app, key, &id, settings).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    (id, path_of(&link).1)
}

/// Fifty visitors, each from an address of its own (`127.0.<block>.1` to `.50`).
fn fifty_visitors(app: &TestApp, block: u8) -> Vec<TestApp> {
    (1..=50)
        .map(|n| visitor_from(app, Ipv4Addr::new(127, 0, block, n)))
        .collect()
}

/// A visitor's message in a new conversation, through the link's server function.
async fn say(visitor: &TestApp, token: &str, content: &str) -> Result<Value, (u16, String)> {
    visitor
        .call::<Value>("/api/c/say", &[("token", token), ("content", content)])
        .await
}

/// The page at `path` once the answer to its last message is in.
pub async fn answered_page(visitor: &TestApp, path: &str) -> String {
    for _ in 0..300 {
        let page = visitor.get(path).await.text().await.unwrap();
        if !page.contains(r#"data-testid="answering""#) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no answer came to {path}");
}

#[tokio::test]
async fn anyone_with_the_link_chats_in_conversations_of_their_own() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let key = new_key(&app, &["read", "run", "admin"]).await;
    let id = agent(
        &app,
        &key,
        json!({ "name": "Front desk", "description": "Answers visitors.", "instructions": "Help visitors." }),
    )
    .await;
    let (status, _, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{id}/share"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An agent that needs inputs cannot be shared: a visitor gives none.
    let needy = agent(
        &app,
        &key,
        json!({ "name": "Needy", "instructions": "About {{input.topic}}",
                "inputs": { "topic": { "type": "string", "required": true } } }),
    )
    .await;
    let (status, refused) = share(
        &app,
        &key,
        &needy,
        json!({ "enabled": true, "daily_budget": 1_000_000 }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.to_string().contains("topic"), "{refused}");
    // Nor can a budget be negative.
    let (status, _) = share(
        &app,
        &key,
        &id,
        json!({ "enabled": true, "daily_budget": -1 }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, link) = share(
        &app,
        &key,
        &id,
        json!({ "enabled": true, "daily_budget": 1_000_000 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert_eq!(link["enabled"], true);
    assert_eq!(link["spent_today"], 0);
    let (path, token) = path_of(&link);
    // The token is kept only hashed and sealed: nowhere in the database as it is.
    let pool = app.owner_pool().await;
    let plain: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM agent_shares WHERE position(convert_to($1, 'UTF8') IN token_ciphertext) > 0",
    )
    .bind(&token)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(plain, 0);

    // A visitor without an account.
    let visitor = app.another_visitor();
    let page = visitor.get(&path).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Front desk") && page.contains("Say hello"),
        "{page}"
    );
    // Its address (a secret) goes to our own pages only, never to another site.
    assert!(page.contains(r#"content="same-origin""#), "{page}");
    let opened = plain_post(
        &visitor,
        &path,
        "/api/c/say",
        &[
            ("token", &token),
            ("content", "[fake:reply=Hello, **visitor**] Hi there"),
        ],
    )
    .await;
    assert!(opened.starts_with(&format!("{path}/")), "{opened}");
    let page = answered_page(&visitor, &opened).await;
    assert!(page.contains("Hello, <strong>visitor</strong>"), "{page}");
    // The answer, not how the agent works: no steps, no runs.
    assert!(!page.contains("turn-steps"), "{page}");
    assert!(!page.contains("/runs/"), "{page}");
    // The next message goes on in the same conversation.
    let conversation = opened.rsplit('/').next().unwrap().to_owned();
    let again = plain_post(
        &visitor,
        &opened,
        "/api/c/say",
        &[
            ("token", &token),
            ("conversation", &conversation),
            ("content", "[fake:reply=Still here] And now?"),
        ],
    )
    .await;
    assert_eq!(again, opened);
    let page = answered_page(&visitor, &opened).await;
    assert!(page.contains("Still here") && page.contains("Hello, <strong>visitor</strong>"));

    // A visitor stops a slow answer of theirs; no one else can.
    let slow: Value = visitor
        .call(
            "/api/c/say",
            &[
                ("token", &token),
                ("conversation", &conversation),
                ("content", "[fake:slow=30000] Take your time"),
            ],
        )
        .await
        .unwrap();
    let run = slow["run_id"].as_str().unwrap().to_owned();
    let stranger = app.another_visitor();
    let status = stranger
        .refused("/api/c/stop", &[("token", &token), ("run", &run)])
        .await;
    assert_eq!(status, 404);
    visitor
        .call::<Value>("/api/c/stop", &[("token", &token), ("run", &run)])
        .await
        .unwrap();
    let page = answered_page(&visitor, &opened).await;
    assert!(page.contains("Stopped before it answered."), "{page}");

    // Another visitor sees nothing of it, and cannot write into it.
    assert_eq!(stranger.get(&opened).await.status(), 404);
    let status = stranger
        .refused(
            "/api/c/say",
            &[
                ("token", &token),
                ("conversation", &conversation),
                ("content", "Hijack"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let page = stranger.get(&path).await.text().await.unwrap();
    assert!(!page.contains("Hi there"), "{page}");

    // The team sees the conversation over the API, with what it spent.
    let (_, listed, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{id}/conversations"),
        &key,
        None,
    )
    .await;
    assert_eq!(
        listed["conversations"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
    let (_, link, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{id}/share"),
        &key,
        None,
    )
    .await;
    assert!(link["spent_today"].as_i64().unwrap() > 0, "{link}");

    // A new address: the old one is gone at once; the visitor's conversations stay.
    let (status, rotated, _) = send(
        &app,
        Method::POST,
        &format!("/v1/agents/{id}/share/rotate"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let (new_path, _) = path_of(&rotated);
    assert_ne!(new_path, path);
    assert_eq!(visitor.get(&path).await.status(), 404);
    let page = visitor.get(&new_path).await.text().await.unwrap();
    assert!(page.contains("Hi there"), "{page}");

    // Turned off, the link is not found.
    let (status, _) = share(
        &app,
        &key,
        &id,
        json!({ "enabled": false, "daily_budget": 1_000_000 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(visitor.get(&new_path).await.status(), 404);

    // A member's role does not manage links; another team's agent is not found.
    let (other, _) = app.signed_up("Another Owner").await;
    let other_key = new_key(&other, &["read", "run", "admin"]).await;
    let (status, _) = share(
        &other,
        &other_key,
        &id,
        json!({ "enabled": true, "daily_budget": 0 }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn messages_are_limited_per_address_and_per_link_and_the_daily_budget_holds() {
    let llm = fake().await;
    let app = spawn_app_with(&[
        ("DEMO_LLM_BASE_URL", &llm.base_url()),
        ("SHARE_MESSAGES_PER_MINUTE_PER_ADDRESS", "3"),
        ("SHARE_MESSAGES_PER_MINUTE_PER_LINK", "20"),
    ])
    .await;
    app.sign_in_demo().await;
    let key = new_key(&app, &["read", "run", "admin"]).await;

    // Per address: the fourth message in a minute from one address is refused, with
    // when to try again; another address is not held up by it.
    let (_, token) = shared_agent(
        &app,
        &key,
        json!({ "name": "Limited", "instructions": "Help." }),
        1_000_000,
    )
    .await;
    let one = visitor_from(&app, Ipv4Addr::new(127, 0, 0, 2));
    for _ in 0..3 {
        say(&one, &token, "[fake:reply=ok] hi").await.unwrap();
    }
    let (status, body) = say(&one, &token, "hi").await.unwrap_err();
    assert_eq!(status, 429, "{body}");
    let two = visitor_from(&app, Ipv4Addr::new(127, 0, 0, 3));
    say(&two, &token, "[fake:reply=ok] hi").await.unwrap();

    // Per link: fifty visitors at once from fifty addresses; exactly the link's twenty
    // a minute get through (16 left after the 4 above).
    let visitors = fifty_visitors(&app, 1);
    let answers = join_all(
        visitors
            .iter()
            .map(|v| say(v, &token, "[fake:reply=ok] hi")),
    )
    .await;
    let passed = answers.iter().filter(|answer| answer.is_ok()).count();
    let limited = answers
        .iter()
        .filter(|answer| matches!(answer, Err((429, _))))
        .count();
    assert_eq!((passed, limited), (16, 34), "{answers:?}");

    // The daily budget: fifty visitors at once against a budget that holds four turns
    // (each reserves the spec's max_cost_usd until it ends, and these take two
    // seconds): the link's twenty a minute pass the rate limit, four of them the
    // budget, and the other sixteen hear why.
    let (capped, token) = shared_agent(
        &app,
        &key,
        json!({ "name": "Capped", "instructions": "Help.",
                "invariants": [{ "max_cost_usd": 0.001 }] }),
        4000,
    )
    .await;
    let visitors = fifty_visitors(&app, 2);
    let answers = join_all(
        visitors
            .iter()
            .map(|v| say(v, &token, "[fake:slow=2000] [fake:reply=ok] hi")),
    )
    .await;
    let count = |wanted: fn(&Result<Value, (u16, String)>) -> bool| {
        answers.iter().filter(|a| wanted(a)).count()
    };
    let passed = count(|answer| answer.is_ok());
    let over_budget =
        count(|answer| matches!(answer, Err((409, body)) if body.contains("daily limit")));
    let limited = count(|answer| matches!(answer, Err((429, _))));
    assert_eq!((passed, over_budget, limited), (4, 16, 30), "{answers:?}");
    // Once every turn has ended, what they spent is within the budget.
    for _ in 0..300 {
        let (_, listed, _) = send(
            &app,
            Method::GET,
            &format!("/v1/agents/{capped}/conversations"),
            &key,
            None,
        )
        .await;
        if listed["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["answering"] == false)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, link, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{capped}/share"),
        &key,
        None,
    )
    .await;
    let spent = link["spent_today"].as_i64().unwrap();
    assert!(spent > 0 && spent <= 4000, "{link}");
}
