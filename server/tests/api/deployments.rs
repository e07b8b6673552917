//! Several deployments of one provider (`LLM_DEPLOYMENTS`) as the gateway's callers meet
//! them: calls spread by weight, each with its deployment's own key; a deployment at
//! its requests-per-minute limit or failing is passed over without the caller noticing,
//! also when other server processes sent its calls; and the counts show in the metrics.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fake_llm::{Behaviour, FakeLlm, Options};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_on, spawn_app_with};
use crate::rest::{key, send};

/// Whether `app`'s metrics come to show `line` within 5 s (the processes share counts
/// every second); if not, the metrics they showed.
async fn metrics_show(app: &TestApp, line: &str) -> Result<(), String> {
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = app.get("/metrics").await.text().await.unwrap();
        if metrics.contains(line) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("no {line} in\n{metrics}"))
}

/// A fake provider that answers only `key`.
async fn deployment(key: &str) -> FakeLlm {
    FakeLlm::start(
        "127.0.0.1:0",
        Options {
            required_key: Some(key.into()),
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

/// The two fakes as OpenAI's deployments `east` and `west` (`LLM_DEPLOYMENTS`), each
/// with its extra fields.
fn deployments_of(east: &FakeLlm, west: &FakeLlm, east_extra: &str, west_extra: &str) -> String {
    format!(
        r#"[{{"provider": "openai", "name": "east", "url": "{}/v1", "key_var": "KEY_EAST"{east_extra}}},
            {{"provider": "openai", "name": "west", "url": "{}/v1", "key_var": "KEY_WEST"{west_extra}}}]"#,
        east.base_url(),
        west.base_url()
    )
}

/// The two deployments, and the demo provider a chain can fall back to.
async fn east_west_and_demo() -> (FakeLlm, FakeLlm, FakeLlm) {
    let demo = FakeLlm::start("127.0.0.1:0", Options::default())
        .await
        .unwrap();
    (
        deployment("sk-east-0001").await,
        deployment("sk-west-0002").await,
        demo,
    )
}

/// A server whose OpenAI is the two fakes, `east` and `west`, with these settings.
async fn app_over(
    east: &FakeLlm,
    west: &FakeLlm,
    east_extra: &str,
    west_extra: &str,
    more: &[(&str, &str)],
) -> TestApp {
    let deployments = deployments_of(east, west, east_extra, west_extra);
    let mut settings = vec![
        ("LLM_DEPLOYMENTS", deployments.as_str()),
        ("KEY_EAST", "sk-east-0001"),
        ("KEY_WEST", "sk-west-0002"),
        ("ROUTER_CHAIN", "openai"),
    ];
    // A later setting wins.
    settings.retain(|(name, _)| !more.iter().any(|(other, _)| other == name));
    settings.extend_from_slice(more);
    let app = spawn_app_with(&settings).await;
    app.sign_in_demo().await;
    app
}

async fn chat(app: &TestApp, caller: &str) -> StatusCode {
    let body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]});
    let (status, answer, _) = send(
        app,
        reqwest::Method::POST,
        "/v1/chat/completions",
        caller,
        Some(body),
    )
    .await;
    assert!(
        status != StatusCode::OK || answer["choices"][0]["message"]["content"].is_string(),
        "{answer}"
    );
    status
}

/// Per-minute counts are for the wall clock's current minute, so `calls` (which returns
/// what it saw) must start and end inside one. It starts well inside one; a run that
/// still crossed into the next (a loaded machine) proves nothing, and is made again
/// from the start of the minute after, whose counts nothing has touched.
async fn in_one_minute<T>(calls: impl AsyncFn() -> T) -> T {
    let now = || SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let minute = || now().as_secs() / 60;
    let to_next_minute =
        || Duration::from_millis(60_000 - (now().as_millis() % 60_000) as u64 + 100);
    if to_next_minute() < Duration::from_secs(10) {
        tokio::time::sleep(to_next_minute()).await;
    }
    loop {
        let started = minute();
        let seen = calls().await;
        if minute() == started {
            return seen;
        }
        tokio::time::sleep(to_next_minute()).await;
    }
}

fn authorized_calls(llm: &FakeLlm) -> usize {
    let calls = llm.calls();
    assert!(
        calls.iter().all(|c| c.authorized),
        "each deployment got its own key"
    );
    calls.len()
}

#[tokio::test]
async fn calls_spread_by_weight_and_skip_a_deployment_at_its_limit() {
    let (east, west) = (
        deployment("sk-east-0001").await,
        deployment("sk-west-0002").await,
    );
    let app = app_over(&east, &west, r#", "weight": 3"#, r#", "rpm": 2"#, &[]).await;
    let caller = key(&app, &["read", "run"]).await;
    let (first_eight, all_twelve, metrics) = in_one_minute(async || {
        let before = (authorized_calls(&east), authorized_calls(&west));
        let since = || {
            let now = (authorized_calls(&east), authorized_calls(&west));
            (now.0 - before.0, now.1 - before.1)
        };
        for _ in 0..8 {
            assert_eq!(chat(&app, &caller).await, StatusCode::OK);
        }
        let first_eight = since();
        for _ in 0..4 {
            assert_eq!(chat(&app, &caller).await, StatusCode::OK);
        }
        let metrics = app.get("/metrics").await.text().await.unwrap();
        (first_eight, since(), metrics)
    })
    .await;
    // Three to one, each with its deployment's key: west's two calls are its limit.
    assert_eq!(first_eight, (6, 2));
    assert_eq!(all_twelve, (10, 2));
    for line in [
        r#"agent_factory_llm_deployment_minute_requests{provider="openai",deployment="east"} 10"#,
        r#"agent_factory_llm_deployment_minute_requests{provider="openai",deployment="west"} 2"#,
        r#"agent_factory_llm_deployment_available{provider="openai",deployment="west"} 0"#,
        r#"agent_factory_llm_deployment_available{provider="openai",deployment="east"} 1"#,
    ] {
        assert!(metrics.contains(line), "no {line} in\n{metrics}");
    }
    // The keys are in no metric.
    assert!(!metrics.contains("sk-east"), "{metrics}");
}

#[tokio::test]
async fn a_failing_deployment_is_passed_over_within_the_call() {
    let (east, west) = (
        deployment("sk-east-0001").await,
        deployment("sk-west-0002").await,
    );
    let app = app_over(&east, &west, "", "", &[]).await;
    let caller = key(&app, &["read", "run"]).await;
    // East (first in turn) fails: west answers the same call, and east rests.
    east.script(Behaviour::Status {
        code: 503,
        retry_after_secs: None,
    });
    assert_eq!(chat(&app, &caller).await, StatusCode::OK);
    assert_eq!(chat(&app, &caller).await, StatusCode::OK);
    assert_eq!((east.calls().len(), west.calls().len()), (1, 2));
}

#[tokio::test]
async fn a_pool_whose_deployments_are_all_limited_falls_back_without_asking_them() {
    let (east, west, demo) = east_west_and_demo().await;
    let app = app_over(
        &east,
        &west,
        "",
        "",
        &[
            ("DEMO_LLM_BASE_URL", &demo.base_url()),
            ("ROUTER_CHAIN", "openai,demo"),
        ],
    )
    .await;
    let caller = key(&app, &["read", "run"]).await;
    for llm in [&east, &west] {
        llm.script(Behaviour::Status {
            code: 429,
            retry_after_secs: Some(60),
        });
    }
    // Each says wait a minute: the chain's next provider answers.
    assert_eq!(chat(&app, &caller).await, StatusCode::OK);
    assert_eq!(
        (east.calls().len(), west.calls().len(), demo.calls().len()),
        (1, 1, 1)
    );
    // Until then neither is asked again.
    assert_eq!(chat(&app, &caller).await, StatusCode::OK);
    assert_eq!(
        (east.calls().len(), west.calls().len(), demo.calls().len()),
        (1, 1, 2)
    );
}

#[tokio::test]
async fn server_processes_keep_within_a_deployments_limit_together() {
    let (east, west, demo) = east_west_and_demo().await;
    let demo_url = demo.base_url();
    let fallback = [
        ("DEMO_LLM_BASE_URL", demo_url.as_str()),
        ("ROUTER_CHAIN", "openai,demo"),
    ];
    // East takes three calls a minute; west serves no model asked for.
    let (east_extra, west_extra) = (r#", "rpm": 3"#, r#", "models": ["none"]"#);
    let first = app_over(&east, &west, east_extra, west_extra, &fallback).await;
    // A second process on the same database and Redis, configured alike.
    let deployments = deployments_of(&east, &west, east_extra, west_extra);
    let mut settings = vec![
        ("LLM_DEPLOYMENTS", deployments.as_str()),
        ("KEY_EAST", "sk-east-0001"),
        ("KEY_WEST", "sk-west-0002"),
    ];
    settings.extend_from_slice(&fallback);
    let second = spawn_app_on(
        first.database_url.clone(),
        first.owner_database_url.clone(),
        &settings,
    )
    .await;
    let caller = key(&first, &["read", "run"]).await;
    let all_three =
        r#"agent_factory_llm_deployment_minute_requests{provider="openai",deployment="east"} 3"#;
    let (first_three, shown, all_five) = in_one_minute(async || {
        let before = (authorized_calls(&east), demo.calls().len());
        let since = || {
            let now = (authorized_calls(&east), demo.calls().len());
            (now.0 - before.0, now.1 - before.1)
        };
        // Two calls through one process, one through the other: east's three a minute.
        for app in [&first, &first, &second] {
            assert_eq!(chat(app, &caller).await, StatusCode::OK);
        }
        let first_three = since();
        let shown = [
            metrics_show(&first, all_three).await,
            metrics_show(&second, all_three).await,
        ];
        // Neither sends east a fourth: the chain's next provider answers.
        for app in [&first, &second] {
            assert_eq!(chat(app, &caller).await, StatusCode::OK);
        }
        (first_three, shown, since())
    })
    .await;
    assert_eq!(first_three, (3, 0));
    for shown in shown {
        shown.unwrap_or_else(|missing| panic!("{missing}"));
    }
    assert_eq!(all_five, (3, 2));
    assert_eq!(west.calls().len(), 0, "west serves no model asked for");
}
