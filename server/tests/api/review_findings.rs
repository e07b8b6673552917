//! Regression tests for the security and reliability review (issue 18): each failed on
//! the code before the fix.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::rest::{key, send};

#[tokio::test]
async fn a_spec_nested_thousands_deep_is_refused_and_the_server_lives_on() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let admin = key(&app, &["admin"]).await;
    // About 10 KB of block sequences: this aborted the whole process (stack overflow).
    let spec = format!(
        "name: Deep\ninstructions: hi\ndescription:\n{}x\n",
        "- ".repeat(5_000)
    );
    let (status, problem, _) = send(
        &app,
        Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({ "spec": spec })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("100 levels"),
        "{problem}"
    );
    let (status, _, _) = send(&app, Method::GET, "/v1/agents", &admin, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_idempotent_replay_answers_only_the_caller_that_made_it() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let admin = key(&app, &["admin"]).await;
    let reader = key(&app, &["read"]).await;
    let body = json!({ "name": "made once", "scopes": ["read"] });
    let post = |key: String| {
        let body = body.clone();
        let url = app.url("/v1/api-keys");
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(key)
                .header("idempotency-key", "same-key-for-both")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let replayed = response.headers().contains_key("idempotent-replayed");
            (status, replayed, response.json::<Value>().await.unwrap())
        }
    };
    let (status, _, created) = post(admin.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let new_key = created["key"].as_str().unwrap().to_string();

    // The read-only key repeating the admin's request is refused, not given the key.
    let (status, replayed, answer) = post(reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert!(!replayed);
    assert!(!answer.to_string().contains(&new_key));

    // The admin's own retry is the same answer.
    let (status, replayed, again) = post(admin).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(replayed);
    assert_eq!(again["key"], created["key"]);

    // What is kept for the replay is sealed: the new key is nowhere in the table.
    let owner = app.owner_pool().await;
    let bodies: Vec<Option<Vec<u8>>> = sqlx::query_scalar("SELECT body FROM idempotency_keys")
        .fetch_all(&owner)
        .await
        .unwrap();
    assert!(!bodies.is_empty());
    for body in bodies.into_iter().flatten() {
        assert!(!String::from_utf8_lossy(&body).contains(&new_key));
    }
}

#[tokio::test]
async fn scopes_nest_and_another_teams_agent_has_no_runs_list() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let runner = key(&app, &["run"]).await;
    let (status, agents, _) = send(&app, Method::GET, "/v1/agents", &runner, None).await;
    assert_eq!(status, StatusCode::OK, "a run key reads too: {agents}");
    let agent_id = agents["agents"][0]["id"].as_str().unwrap().to_string();

    let (stranger, _) = app.signed_up("Stranger").await;
    let theirs = key(&stranger, &["read"]).await;
    let (status, _, _) = send(
        &stranger,
        Method::GET,
        &format!("/v1/agents/{agent_id}/runs"),
        &theirs,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_application_role_cannot_read_password_hashes() {
    let app = spawn_app().await;
    let pool = app.app_pool().await;
    let refused = sqlx::query("SELECT password_hash FROM users")
        .fetch_all(&pool)
        .await;
    assert!(refused.is_err(), "the app role read password hashes");
    // Sign-in still works through the narrow look-up.
    app.sign_in_demo().await;
}

#[tokio::test]
async fn a_nul_character_is_refused_at_the_edge() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let admin = key(&app, &["admin"]).await;
    let (status, problem, content_type) = send(
        &app,
        Method::POST,
        "/v1/api-keys",
        &admin,
        Some(json!({ "name": "bad\u{0000}name", "scopes": ["read"] })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(content_type, "application/problem+json");
    // Server functions too (a display name with a NUL was a 500).
    let status = app
        .refused(
            "/api/profile/update",
            &[("display_name", "Nul\u{0000}Name")],
        )
        .await;
    assert_eq!(status, 422);
    let (status, _, _) = send(&app, Method::GET, "/v1/templates?q=%00", &admin, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn after_a_key_rotation_old_secrets_are_re_encrypted_under_the_new_key() {
    const OLD: &str = "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ=";
    const NEW: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let app = crate::helpers::spawn_app_with(&[("SECRETS_ENCRYPTION_KEY", OLD)]).await;
    app.sign_in_demo().await;
    let admin = key(&app, &["admin"]).await;
    let (status, created, _) = send(
        &app,
        Method::POST,
        "/v1/webhooks",
        &admin,
        Some(json!({ "url": "https://hooks.example.com/in", "events": ["run.succeeded"] })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let keys = server::secrets::Keyring::new(NEW, &[OLD.to_string()]).unwrap();
    let pool = app.app_pool().await;
    let done = server::secrets_rotation::rewrap_all(&pool, &keys)
        .await
        .unwrap();
    assert!(done.rewritten >= 1 && done.unreadable == 0, "{done:?}");
    // Nothing is left under the old key, and the new key alone opens what was there.
    let again = server::secrets_rotation::rewrap_all(&pool, &keys)
        .await
        .unwrap();
    assert_eq!(again.rewritten, 0);
    let owner = app.owner_pool().await;
    let (team_id, ciphertext, nonce): (uuid::Uuid, Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT team_id, secret_ciphertext, secret_nonce FROM webhooks")
            .fetch_one(&owner)
            .await
            .unwrap();
    let alone = server::secrets::Keyring::new(NEW, &[]).unwrap();
    let secret = alone
        .open_text(team_id, &server::secrets::Sealed { ciphertext, nonce })
        .unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
}

#[tokio::test]
async fn while_the_database_is_unreachable_requests_answer_503_with_retry_after() {
    // A database that refuses connections (nothing listens on port 1).
    let app = crate::helpers::spawn_app_with(&[
        (
            "DATABASE_URL",
            "postgres://agf_app:agf_app@127.0.0.1:1/agent_factory",
        ),
        ("DATABASE_OWNER_URL", "none"),
        ("SEED_DEMO_DATA", "false"),
        ("DATABASE_ACQUIRE_TIMEOUT_MS", "300"),
    ])
    .await;
    let response = app.get("/v1/templates").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
}
