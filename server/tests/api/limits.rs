//! Rate limits, monthly quotas and idempotency through the real API, Postgres and Redis.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app_with;
use crate::rest::{key, send};

async fn get_agents(app: &crate::helpers::TestApp, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url("/v1/agents"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn exactly_the_limit_passes_when_requests_race() {
    let app = spawn_app_with(&[("RATE_LIMIT_FREE", "5")]).await;
    app.sign_in_demo().await;
    let reader = key(&app, &["read"]).await;
    let responses = futures::future::join_all((0..20).map(|_| get_agents(&app, &reader))).await;
    let passed = responses
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    let limited: Vec<&reqwest::Response> = responses
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(passed, 5);
    assert_eq!(limited.len(), 15);
    for response in &responses {
        assert_eq!(response.headers()["x-ratelimit-limit"], "5");
        assert!(response.headers().contains_key("x-ratelimit-remaining"));
        assert!(response.headers().contains_key("x-ratelimit-reset"));
    }
    let retry: u64 = limited[0].headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        limited[0].headers()["content-type"],
        "application/problem+json"
    );
}

/// How many requests the Redis window of the demo team's bucket holds.
async fn counted_in_redis(app: &crate::helpers::TestApp) -> usize {
    let client = redis::Client::open(app.redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}ratelimit:team:*", app.redis_prefix))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    redis::cmd("ZCARD")
        .arg(&keys[0])
        .query_async(&mut redis)
        .await
        .unwrap()
}

/// Waits (briefly) for the requests admitted from memory to reach Redis.
async fn until_counted(app: &crate::helpers::TestApp, expected: usize) {
    let mut counted = 0;
    for _ in 0..50 {
        counted = counted_in_redis(app).await;
        if counted == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("Redis counts {counted} requests, {expected} passed");
}

#[tokio::test]
async fn far_from_the_limit_requests_pass_from_memory_and_all_are_counted_in_redis() {
    let app = spawn_app_with(&[("RATE_LIMIT_FREE", "1000")]).await;
    app.sign_in_demo().await;
    let reader = key(&app, &["read"]).await;
    let mut remaining = Vec::new();
    for _ in 0..30 {
        let responses = futures::future::join_all((0..10).map(|_| get_agents(&app, &reader))).await;
        for response in responses {
            assert_eq!(response.status(), StatusCode::OK);
            remaining.push(
                response.headers()["x-ratelimit-remaining"]
                    .to_str()
                    .unwrap()
                    .parse::<u32>()
                    .unwrap(),
            );
        }
    }
    until_counted(&app, 300).await;
    // Each answer says what is left, counting the requests admitted before it.
    assert!(
        remaining.iter().all(|r| (700..1000).contains(r)),
        "{remaining:?}"
    );
}

#[tokio::test]
async fn exactly_the_limit_passes_when_a_race_crosses_from_memory_to_redis() {
    let app = spawn_app_with(&[("RATE_LIMIT_FREE", "200")]).await;
    app.sign_in_demo().await;
    let reader = key(&app, &["read"]).await;
    // One request first: from then on the bucket is admitted from memory while far
    // from its limit.
    assert_eq!(get_agents(&app, &reader).await.status(), StatusCode::OK);
    let responses = futures::future::join_all((0..259).map(|_| get_agents(&app, &reader))).await;
    let passed = responses
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    assert_eq!(passed, 199);
    until_counted(&app, 200).await;
}

#[tokio::test]
async fn without_redis_requests_neither_hang_nor_fail_and_limits_hold_per_instance() {
    // Nothing listens on port 1: every Redis call fails at once.
    let app = spawn_app_with(&[
        ("RATE_LIMIT_FREE", "3"),
        ("REDIS_URL", "redis://127.0.0.1:1"),
    ])
    .await;
    // Sessions live in Redis, so the key is made with the owner's help.
    let pool = app.owner_pool().await;
    let team_id: uuid::Uuid = sqlx::query_scalar(
        "SELECT m.team_id FROM team_members m JOIN users u ON u.id = m.user_id WHERE u.email = 'demo@agentfactory.dev'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let user_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'demo@agentfactory.dev'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let secret = format!("agf_{}", "b".repeat(43));
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(secret.as_bytes()).to_vec()
    };
    sqlx::query("INSERT INTO api_keys (team_id, name, prefix, key_hash, scopes, created_by) VALUES ($1, 'k', 'agf_bbbbbbbb', $2, '{read}', $3)")
        .bind(team_id)
        .bind(hash)
        .bind(user_id)
        .execute(&pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get_agents(&app, &secret).await.status());
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "requests waited on Redis"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        2
    );
}

#[tokio::test]
async fn the_monthly_run_quota_cannot_be_overshot_by_concurrent_starts() {
    let app = spawn_app_with(&[("RUN_WORKERS", "0")]).await;
    let pool = app.owner_pool().await;
    // Whatever the seed counted this month, three more runs are allowed.
    let already: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(runs), 0)::bigint FROM usage_periods WHERE period_start = date_trunc('month', now() AT TIME ZONE 'utc')::date",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE plans SET monthly_runs = $1 WHERE tier = 'free'")
        .bind(already as i32 + 3)
        .execute(&pool)
        .await
        .unwrap();
    app.sign_in_demo().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    let (_, agent, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({ "spec": "name: Quota\ninstructions: Say hi\n" })),
    )
    .await;
    let id = agent["id"].as_str().unwrap().to_string();
    let path = format!("/v1/agents/{id}/runs");
    let starts = (0..10).map(|_| {
        send(
            &app,
            reqwest::Method::POST,
            &path,
            &admin,
            Some(json!({ "input": {} })),
        )
    });
    let results = futures::future::join_all(starts).await;
    let accepted = results
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::ACCEPTED)
        .count();
    let refused: Vec<&Value> = results
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .map(|(_, body, _)| body)
        .collect();
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM runs WHERE agent_id = $1::uuid")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((accepted, runs), (3, 3));
    assert_eq!(accepted + refused.len(), 10);
    assert!(
        refused[0]["type"]
            .as_str()
            .unwrap()
            .ends_with("quota-exceeded"),
        "{}",
        refused[0]
    );
    let (status, usage, _) = send(&app, reqwest::Method::GET, "/v1/usage", &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(usage["runs"], already + 3);
    assert_eq!(usage["runs_limit"], already + 3);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_creates_nothing_twice() {
    let app = spawn_app_with(&[("RUN_WORKERS", "0")]).await;
    app.sign_in_demo().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    let post = |key: &'static str, body: Value| {
        reqwest::Client::new()
            .post(app.url("/v1/agents"))
            .bearer_auth(&admin)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let body = json!({ "spec": "name: Once\ninstructions: Say hi\n" });
    let first = post("create-once", body.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    // Retries, some at the same moment: the same agent every time.
    let retries =
        futures::future::join_all((0..5).map(|_| post("create-once", body.clone()))).await;
    for retry in retries {
        let retry = retry.unwrap();
        assert_eq!(retry.status(), StatusCode::CREATED);
        assert_eq!(retry.headers()["idempotent-replayed"], "true");
        let again: Value = retry.json().await.unwrap();
        assert_eq!(again["id"], first["id"]);
    }
    let pool = app.owner_pool().await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM agents WHERE name = 'Once'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
    // The same key with another body is refused.
    let other = post(
        "create-once",
        json!({ "spec": "name: Twice\ninstructions: Say hi\n" }),
    )
    .await
    .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An invalid request is kept as answered too (it changed nothing, and says so again).
    let bad = post("bad-spec", json!({ "spec": 5 })).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_key_held_by_a_server_that_died_is_taken_over_once_its_hold_lapses() {
    let app = spawn_app_with(&[("RUN_WORKERS", "0")]).await;
    app.sign_in_demo().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    let post = || {
        reqwest::Client::new()
            .post(app.url("/v1/agents"))
            .bearer_auth(&admin)
            .header("idempotency-key", "held")
            .json(&json!({ "spec": "name: Held\ninstructions: Say hi\n" }))
            .send()
    };
    assert_eq!(post().await.unwrap().status(), StatusCode::CREATED);
    // The record as a server leaves it when it dies mid-answer: no answer, a hold that
    // is still running, then one that lapsed (nobody renews it).
    let pool = app.owner_pool().await;
    let hold = |until: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(&format!(
                "UPDATE idempotency_keys SET status_code = NULL, body = NULL, body_nonce = NULL,
                        held_until = now() + interval '{until}' WHERE key = 'held'"
            ))
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    hold("1 hour").await;
    let waiting = post().await.unwrap();
    assert_eq!(waiting.status(), StatusCode::CONFLICT);
    assert_eq!(waiting.headers()["retry-after"], "1");
    hold("-1 second").await;
    let taken_over = post().await.unwrap();
    assert_eq!(taken_over.status(), StatusCode::CREATED);
    assert!(!taken_over.headers().contains_key("idempotent-replayed"));
    // Answered now, it is replayed again and holds nothing.
    let replayed = post().await.unwrap();
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    let held: Option<bool> = sqlx::query_scalar(
        "SELECT held_until IS NOT NULL FROM idempotency_keys WHERE key = 'held'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(held, Some(false));
}
