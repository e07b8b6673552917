//! Liveness, readiness, metrics and the middleware every request passes through.

use std::time::{Duration, Instant};

use crate::helpers::{spawn_app, spawn_app_with};

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
    assert!(body["checks"]["redis"]["error"].is_string());
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
            .starts_with("text/plain")
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
