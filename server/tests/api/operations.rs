//! Liveness, readiness, metrics and the middleware every request passes through.

use std::time::{Duration, Instant};

use server::demo::DEMO_EMAIL;

use crate::helpers::{empty_database, spawn_app, spawn_app_on, spawn_app_with};

/// Two instances of a release starting together on an empty database: the migrator's
/// advisory lock lets one apply the migrations while the other waits and then finds
/// nothing to do, the demo seeding is serialised the same way, and both serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_starting_at_once_migrate_and_seed_once() {
    let (database_url, owner_url) = empty_database().await;
    let (first, second) = tokio::join!(
        spawn_app_on(database_url.clone(), owner_url.clone(), &[]),
        spawn_app_on(database_url, owner_url, &[]),
    );
    for app in [&first, &second] {
        assert_eq!(app.get("/ready").await.status(), 200);
    }
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "sql")
        })
        .count() as i64;
    let owner = first.owner_pool().await;
    let (applied, versions): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT version) FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!((applied, versions), (migrations, migrations));
    let (demo_users, demo_teams): (i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT u.id), count(m.team_id) FROM users u
           JOIN team_members m ON m.user_id = u.id WHERE u.email = $1",
    )
    .bind(DEMO_EMAIL)
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(
        (demo_users, demo_teams),
        (1, 1),
        "the demo account was seeded twice"
    );
}

#[tokio::test]
async fn health_answers_and_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    let request_id = response
        .headers()
        .get("x-request-id")
        .expect("no x-request-id");
    assert_eq!(request_id.len(), 36, "not a uuid: {request_id:?}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_checks_postgres_and_redis() {
    let app = spawn_app().await;
    let response = app.get("/ready").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["postgres"]["ok"], true);
    assert_eq!(body["checks"]["redis"]["ok"], true);
    assert_eq!(body["checks"]["schema"]["ok"], true);
}

#[tokio::test]
async fn ready_is_503_and_names_redis_when_redis_is_unreachable() {
    // Nothing listens on port 1; the check must fail quickly, not hang.
    let app = spawn_app_with(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let started = Instant::now();
    let response = app.get("/ready").await;
    assert!(started.elapsed() < Duration::from_secs(5), "readiness hung");
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["postgres"]["ok"], true);
    assert_eq!(body["checks"]["redis"]["ok"], false);
    // What is down, not the driver's message (hosts and ports stay in the log).
    assert_eq!(body["checks"]["redis"]["error"], "unreachable");
    // Liveness does not depend on Redis.
    assert_eq!(app.get("/health").await.status(), 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/health").await;
    app.get("/health").await;
    app.get("/no/such/page").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/health",status="200"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"status="404""#), "{text}");
    assert!(
        text.contains(r#"http_request_duration_seconds_count{route="/health"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"db_pool_connections{state="max"} 10"#),
        "{text}"
    );
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app_with(&[("MAX_BODY_BYTES", "1024")]).await;
    let response = app
        .http
        .post(app.url("/api/anything"))
        .header("content-length", "4096")
        .body(vec![b'x'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

/// Pages carry a Content-Security-Policy that admits their own inline scripts by the
/// render's nonce and nothing from elsewhere; every response, API included, refuses
/// framing and sniffing.
#[tokio::test]
async fn pages_and_api_answers_carry_the_security_headers() {
    let app = spawn_app().await;
    let page = app.get("/signin").await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page's policy has no nonce");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the page's inline scripts do not carry the policy's nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(
        !csp.contains("'unsafe-eval'") && !csp.contains("script-src *"),
        "{csp}"
    );

    for path in ["/v1/agents", "/health", "/no/such/page"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            headers["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        // HSTS only where cookies are Secure (HTTPS deployments); tests run on http.
        assert!(headers.get("strict-transport-security").is_none(), "{path}");
    }
    // Another page's render gets a nonce of its own.
    let again = app.get("/signin").await;
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(nonce)
    );
}

#[tokio::test]
async fn ready_is_503_while_the_schema_does_not_fit_this_release() {
    let app = spawn_app().await;
    let owner = app.owner_pool().await;
    let newest = server::db::schema::expected();
    let schema_error = |body: serde_json::Value| {
        assert_eq!(body["status"], "unavailable");
        assert_eq!(body["checks"]["postgres"]["ok"], true);
        assert_eq!(body["checks"]["schema"]["ok"], false);
        body["checks"]["schema"]["error"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Behind: this release's newest migration is not applied yet.
    let as_owner = |sql: &'static str, value: i64| {
        let owner = owner.clone();
        async move { sqlx::query(sql).bind(value).execute(&owner).await.unwrap() }
    };
    as_owner(
        "UPDATE _sqlx_migrations SET success = false WHERE version = $1",
        newest,
    )
    .await;
    let response = app.get("/ready").await;
    assert_eq!(response.status(), 503);
    let error = schema_error(response.json().await.unwrap());
    assert!(
        error.contains(&format!("needs {newest}")) && error.contains("agent-factory migrate"),
        "{error}"
    );
    as_owner(
        "UPDATE _sqlx_migrations SET success = true WHERE version = $1",
        newest,
    )
    .await;
    assert_eq!(app.get("/ready").await.status(), 200);

    // Ahead: a newer release migrated, and one of its migrations declared this release
    // too old.
    as_owner(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES ($1, 'from a newer release', true, '\\x00', 0)",
        newest + 1,
    )
    .await;
    as_owner(
        "UPDATE schema_compatibility SET oldest_supported_version = $1",
        newest + 1,
    )
    .await;
    let response = app.get("/ready").await;
    assert_eq!(response.status(), 503);
    let error = schema_error(response.json().await.unwrap());
    assert!(
        error.contains(&format!("built with migration {}", newest + 1)),
        "{error}"
    );
    // Ahead but compatible (the usual case during a rollout): ready.
    as_owner(
        "UPDATE schema_compatibility SET oldest_supported_version = $1",
        1,
    )
    .await;
    assert_eq!(app.get("/ready").await.status(), 200);
}
