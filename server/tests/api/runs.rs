//! Durable runs through the real server: queued in Postgres, executed by workers,
//! streamed over SSE from Redis, reclaimed after a worker dies, cancelled, and counted
//! exactly once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::runs::{StepKind, StepRecord, StepStatus};
use app::spec::MicroUsd;
use fake_llm::{Behaviour, FakeLlm};
use futures::StreamExt;
use serde_json::{Map, Value, json};
use server::agents::store::create_agent;
use server::db::tenant::Tenant;
use server::demo::DEMO_EMAIL;
use server::engine::Engine;
use server::redis_client::RedisClient;
use server::runs::event_bus::EventBus;
use server::runs::worker::Workers;
use server::runs::{cancel_run, start_run, store};
use server::shutdown::Shutdown;
use server::startup::Role;
use sqlx::PgPool;
use uuid::Uuid;

use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with, spawn_role_on};

const AGENT: &str = "name: Echo\ninputs:\n  question: {type: string, required: true}\ninstructions: Answer briefly.\ntools: [calculator]\n";

fn provider_env(fake: &FakeLlm) -> Vec<(String, String)> {
    vec![
        ("OPENAI_BASE_URL".into(), format!("{}/v1", fake.base_url())),
        ("OPENAI_API_KEY".into(), "sk-test".into()),
        ("ROUTER_CHAIN".into(), "openai".into()),
        ("OLLAMA_BASE_URL".into(), String::new()),
        ("RUN_LEASE_SECS".into(), "2".into()),
    ]
}

async fn app_with(fake: &FakeLlm, extra: &[(&str, &str)]) -> TestApp {
    let vars = env_with(fake, extra);
    spawn_app_with(&refs(&vars)).await
}

/// Another server in `role` on `app`'s database, with the same provider.
async fn role_beside(role: Role, app: &TestApp, fake: &FakeLlm, extra: &[(&str, &str)]) -> TestApp {
    let vars = env_with(fake, extra);
    spawn_role_on(
        role,
        app.database_url.clone(),
        app.owner_database_url.clone(),
        &refs(&vars),
    )
    .await
}

fn env_with(fake: &FakeLlm, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut vars = provider_env(fake);
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
    );
    vars
}

fn refs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn demo_tenant(app: &TestApp) -> Tenant {
    let owner = app.owner_pool().await;
    let (user_id, team_id): (Uuid, Uuid) = sqlx::query_as(
        "SELECT u.id, m.team_id FROM users u JOIN team_members m ON m.user_id = u.id WHERE u.email = $1",
    )
    .bind(DEMO_EMAIL)
    .fetch_one(&owner)
    .await
    .unwrap();
    Tenant::member(user_id, team_id)
}

/// A server whose provider takes 10 s to answer once, with a run waiting on that answer.
struct SlowRun {
    app: TestApp,
    tenant: Tenant,
    pool: PgPool,
    owner: PgPool,
    agent: Uuid,
    run: Uuid,
}

async fn slow_running_run(llm: &FakeLlm, extra: &[(&str, &str)]) -> SlowRun {
    llm.script(Behaviour::Delay {
        ms: 10_000,
        then: Box::new(Behaviour::Reply {
            text: "too late".into(),
        }),
    });
    let app = app_with(llm, extra).await;
    let tenant = demo_tenant(&app).await;
    let pool = app.app_pool().await;
    let owner = app.owner_pool().await;
    let agent = create_agent(&pool, tenant, AGENT).await.unwrap();
    let run = start_run(&pool, tenant, agent, input("slow"), None)
        .await
        .unwrap();
    wait_for(&owner, run, &["running"]).await;
    SlowRun {
        app,
        tenant,
        pool,
        owner,
        agent,
        run,
    }
}

fn input(question: &str) -> Map<String, Value> {
    json!({"question": question}).as_object().unwrap().clone()
}

async fn wait_for(owner: &PgPool, run_id: Uuid, statuses: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status: String = sqlx::query_scalar("SELECT status::text FROM runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(owner)
            .await
            .unwrap();
        if statuses.contains(&status.as_str()) {
            return status;
        }
        assert!(Instant::now() < deadline, "run stuck in {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_run_is_queued_executed_and_counted_once() {
    let llm = fake().await;
    let app = app_with(&llm, &[]).await;
    let tenant = demo_tenant(&app).await;
    let pool = app.app_pool().await;
    let owner = app.owner_pool().await;
    let agent = create_agent(&pool, tenant, AGENT).await.unwrap();

    let refused = start_run(
        &pool,
        tenant,
        agent,
        json!({"nope": 1}).as_object().unwrap().clone(),
        None,
    )
    .await;
    assert!(refused.is_err(), "bad input creates nothing");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM runs")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let run = start_run(&pool, tenant, agent, input("why?"), None)
        .await
        .unwrap();
    assert_eq!(
        wait_for(&owner, run, &["succeeded", "failed"]).await,
        "succeeded"
    );
    let (output, cost, tokens): (Value, i64, i64) = sqlx::query_as(
        "SELECT output, cost_micro_usd, prompt_tokens + completion_tokens FROM runs WHERE id = $1",
    )
    .bind(run)
    .fetch_one(&owner)
    .await
    .unwrap();
    assert!(
        output
            .as_str()
            .unwrap()
            .contains("You asked: question: why?")
    );
    let (step_cost, step_tokens): (i64, i64) = sqlx::query_as(
        "SELECT sum(cost_micro_usd)::bigint, sum(prompt_tokens + completion_tokens)::bigint FROM run_steps WHERE run_id = $1",
    )
    .bind(run)
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!((cost, tokens), (step_cost, step_tokens));
    assert!(cost > 0);
    let (runs, rolled_cost, rolled_tokens): (i64, i64, i64) = sqlx::query_as(
        "SELECT sum(runs)::bigint, sum(cost_micro_usd)::bigint, sum(prompt_tokens + completion_tokens)::bigint FROM usage_daily",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(
        (runs, rolled_cost, rolled_tokens),
        (1, cost, tokens),
        "the roll-up matches the run"
    );

    // Writing the same step again (a retried write) changes nothing.
    let steps = store::steps(&pool, tenant.team_id.unwrap(), run)
        .await
        .unwrap();
    let llm_step = steps.iter().find(|s| s.kind == StepKind::LlmCall).unwrap();
    store::insert_step(
        &pool,
        tenant.team_id.unwrap(),
        run,
        Some(agent),
        None,
        llm_step,
    )
    .await
    .unwrap();
    let again: i64 = sqlx::query_scalar("SELECT cost_micro_usd FROM runs WHERE id = $1")
        .bind(run)
        .fetch_one(&owner)
        .await
        .unwrap();
    let rolled_again: i64 =
        sqlx::query_scalar("SELECT sum(cost_micro_usd)::bigint FROM usage_daily")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!((again, rolled_again), (cost, cost));
}

/// Reads an SSE body until the run's `finished` event; returns (id, event name, data).
async fn read_events(response: reqwest::Response) -> Vec<(String, String, Value)> {
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Ok(Some(Ok(piece))) = tokio::time::timeout_at(deadline.into(), body.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&piece));
        while let Some(end) = buffer.find("\n\n") {
            let raw: String = buffer.drain(..end + 2).collect();
            let (mut id, mut name, mut data) = (String::new(), String::new(), String::new());
            for line in raw.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().into()
                }
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().into()
                }
                if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start())
                }
            }
            if !name.is_empty() {
                let finished = name == "finished";
                events.push((id, name, serde_json::from_str(&data).unwrap_or(Value::Null)));
                if finished {
                    return events;
                }
            }
        }
    }
    events
}

#[tokio::test]
async fn events_stream_over_sse_and_resume_after_the_last_seen() {
    let llm = FakeLlm::start(
        "127.0.0.1:0",
        fake_llm::Options {
            required_key: None,
            token_delay: Duration::from_millis(20),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let app = app_with(&llm, &[]).await;
    app.sign_in_demo().await;
    let tenant = demo_tenant(&app).await;
    let pool = app.app_pool().await;
    let agent = create_agent(&pool, tenant, AGENT).await.unwrap();
    let run = start_run(&pool, tenant, agent, input("stream me"), None)
        .await
        .unwrap();

    let response = app
        .http
        .get(app.url(&format!("/api/runs/{run}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let events = read_events(response).await;
    let names: Vec<&str> = events.iter().map(|e| e.1.as_str()).collect();
    assert!(
        names.contains(&"token") && names.contains(&"step"),
        "{names:?}"
    );
    let (_, last_name, last) = events.last().unwrap();
    assert_eq!(last_name, "finished");
    assert_eq!(last["status"], "succeeded");
    let text: String = events
        .iter()
        .filter(|e| e.1 == "token")
        .map(|e| e.2["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(Value::String(text), last["output"]);

    // Reconnecting after the third event replays exactly the rest, and so does a new
    // stream that asks for the events after it (a browser's EventSource opened again
    // after a refusal: it cannot send the header).
    let resume_from = events[2].0.clone();
    let expected: Vec<&String> = events[3..].iter().map(|e| &e.0).collect();
    let events_url = app.url(&format!("/api/runs/{run}/events"));
    for request in [
        app.http
            .get(&events_url)
            .header("Last-Event-ID", &resume_from),
        app.http.get(format!("{events_url}?after={resume_from}")),
    ] {
        let rest = read_events(request.send().await.unwrap()).await;
        let got: Vec<&String> = rest.iter().map(|e| &e.0).collect();
        assert_eq!(got, expected);
    }

    // Another team cannot watch it.
    let (stranger, _) = app.signed_up("Stranger").await;
    let response = stranger
        .http
        .get(app.url(&format!("/api/runs/{run}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_run_whose_worker_died_is_reclaimed_and_continues() {
    let llm = fake().await;
    let app = app_with(&llm, &[("RUN_WORKERS", "0")]).await;
    let tenant = demo_tenant(&app).await;
    let team = tenant.team_id.unwrap();
    let pool = app.app_pool().await;
    let owner = app.owner_pool().await;
    let agent = create_agent(&pool, tenant, AGENT).await.unwrap();
    let run = start_run(&pool, tenant, agent, input("resume"), None)
        .await
        .unwrap();

    // A worker claims the run, makes one model call that asks for a tool, runs the
    // tool … and dies before going on.
    let claimed: (Uuid,) = sqlx::query_as("SELECT id FROM claim_run('dead-worker', 1)")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(claimed.0, run);
    let llm_step = StepRecord {
        seq: 2,
        parent: None,
        node: None,
        kind: StepKind::LlmCall,
        status: StepStatus::Ok,
        provider: Some("openai".into()),
        model: Some("gpt-4o-mini".into()),
        prompt_tokens: 100,
        completion_tokens: 10,
        cost: MicroUsd(21),
        latency_ms: 5,
        detail: json!({"text": "", "tool_calls": [{"id": "call_1", "name": "calculator", "arguments": {"expression": "2+3"}}]}),
    };
    let tool_step = StepRecord {
        seq: 3,
        parent: None,
        node: None,
        kind: StepKind::ToolCall,
        status: StepStatus::Ok,
        provider: None,
        model: None,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost: MicroUsd::ZERO,
        latency_ms: 1,
        detail: json!({"call_id": "call_1", "tool": "calculator", "input": {"expression": "2+3"}, "output": "5"}),
    };
    store::insert_step(&pool, team, run, Some(agent), None, &llm_step)
        .await
        .unwrap();
    store::insert_step(&pool, team, run, Some(agent), None, &tool_step)
        .await
        .unwrap();

    // A live worker starts; once the lease lapses it takes the run over.
    let config = server::config::Config::from_lookup(|name| {
        provider_env(&llm)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    })
    .unwrap();
    let cache =
        Arc::new(RedisClient::new("redis://127.0.0.1:6379", &format!("agf-test:{run}:")).unwrap());
    let workers = Workers {
        db: pool.clone(),
        bus: EventBus::start(cache),
        engine: Arc::new(Engine::new(config.engine).unwrap()),
        metrics: Arc::default(),
        knowledge: None,
        id: "live-worker".into(),
    };
    workers.spawn(
        app.database_url.clone(),
        2,
        Shutdown::new(Duration::from_secs(10)),
    );
    assert_eq!(
        wait_for(&owner, run, &["succeeded", "failed"]).await,
        "succeeded"
    );

    // It continued the conversation instead of starting over …
    let requests = llm.calls();
    assert_eq!(requests.len(), 1, "one more model call, not a fresh start");
    let messages = requests[0].body["messages"].as_array().unwrap().clone();
    assert_eq!(messages.last().unwrap()["role"], "tool");
    assert_eq!(messages.last().unwrap()["content"], "5");
    // … and counted the dead worker's usage once, with its own on top.
    let (cost, attempts, owner_name): (i64, i32, Option<String>) =
        sqlx::query_as("SELECT cost_micro_usd, attempts, lease_owner FROM runs WHERE id = $1")
            .bind(run)
            .fetch_one(&owner)
            .await
            .unwrap();
    let step_cost: i64 =
        sqlx::query_scalar("SELECT sum(cost_micro_usd)::bigint FROM run_steps WHERE run_id = $1")
            .bind(run)
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(cost, step_cost);
    assert!(cost > 21);
    assert_eq!(attempts, 2);
    assert_eq!(owner_name, None);
    let seqs: Vec<i32> =
        sqlx::query_scalar("SELECT seq FROM run_steps WHERE run_id = $1 ORDER BY seq")
            .bind(run)
            .fetch_all(&owner)
            .await
            .unwrap();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "no step numbered twice: {seqs:?}"
    );
}

#[tokio::test]
async fn a_slow_run_can_be_cancelled() {
    let llm = fake().await;
    let SlowRun {
        tenant,
        pool,
        owner,
        agent,
        run,
        ..
    } = slow_running_run(&llm, &[]).await;
    let asked = Instant::now();
    cancel_run(&pool, tenant, run).await.unwrap();
    assert_eq!(
        wait_for(&owner, run, &["cancelled", "succeeded", "failed"]).await,
        "cancelled"
    );
    assert!(asked.elapsed() < Duration::from_secs(5));

    // A queued run cancels at once, and nothing runs it afterwards. (A worker may claim
    // it before the cancel lands; the slow answer keeps that case a cancellation too.)
    llm.script(Behaviour::Delay {
        ms: 10_000,
        then: Box::new(Behaviour::Reply {
            text: "too late".into(),
        }),
    });
    let other = Tenant {
        team_id: tenant.team_id,
        user_id: tenant.user_id,
    };
    let queued = start_run(&pool, other, agent, input("never"), None)
        .await
        .unwrap();
    cancel_run(&pool, other, queued).await.unwrap();
    assert_eq!(
        wait_for(&owner, queued, &["cancelled", "succeeded", "failed"]).await,
        "cancelled"
    );
}

#[tokio::test]
async fn web_instances_queue_runs_and_worker_instances_execute_them() {
    let llm = fake().await;
    let first = app_with(&llm, &[("RUN_WORKERS", "0")]).await;
    // `serve` runs nothing, however many workers the settings allow.
    let web = role_beside(Role::Serve, &first, &llm, &[("RUN_WORKERS", "8")]).await;
    let tenant = demo_tenant(&web).await;
    let pool = web.app_pool().await;
    let owner = web.owner_pool().await;
    let agent = create_agent(&pool, tenant, AGENT).await.unwrap();
    let run = start_run(&pool, tenant, agent, input("who runs me?"), None)
        .await
        .unwrap();
    let queued_until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < queued_until {
        let status: String = sqlx::query_scalar("SELECT status::text FROM runs WHERE id = $1")
            .bind(run)
            .fetch_one(&owner)
            .await
            .unwrap();
        assert_eq!(status, "queued", "a web instance executed a run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // What workers are scaled on.
    let metrics = web.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("agent_factory_runs_queued 1\n"),
        "{metrics}"
    );

    let worker = role_beside(Role::Worker, &first, &llm, &[]).await;
    assert_eq!(
        wait_for(&owner, run, &["succeeded", "failed"]).await,
        "succeeded"
    );
    // The worker counted the run, its end and its model call.
    let metrics = worker.get("/metrics").await.text().await.unwrap();
    for line in [
        "agent_factory_runs_queued 0\n",
        "agent_factory_runs_started_total 1\n",
        "agent_factory_runs_finished_total{status=\"succeeded\",reason=\"none\"} 1\n",
        "agent_factory_llm_calls_total{source=\"run\",provider=\"openai\",",
    ] {
        assert!(metrics.contains(line), "no {line:?} in {metrics}");
    }
    // A worker answers its probes and metrics, and nothing a user could reach.
    for path in ["/health", "/ready", "/metrics"] {
        assert_eq!(worker.get(path).await.status(), 200, "{path}");
    }
    for path in ["/v1/agents", "/signin", "/"] {
        assert_eq!(worker.get(path).await.status(), 404, "{path}");
    }
    assert_eq!(web.get("/v1/agents").await.status(), 401);
    assert_eq!(web.get("/ready").await.status(), 200);
}

#[tokio::test]
async fn a_draining_instance_ends_event_streams_with_reconnect_and_hands_its_runs_back() {
    let llm = fake().await;
    // A 2 s grace period: runs in hand get 1 s, then go back to the queue.
    let SlowRun {
        app, owner, run, ..
    } = slow_running_run(&llm, &[("SHUTDOWN_GRACE_SECS", "2")]).await;
    app.sign_in_demo().await;
    let response = app
        .http
        .get(app.url(&format!("/api/runs/{run}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let reading = tokio::spawn(read_events(response));

    app.shutdown.begin();
    let events = reading.await.unwrap();
    let last = events.last().map(|e| (e.1.as_str(), e.2.clone()));
    assert_eq!(last, Some(("reconnect", json!({}))), "{events:?}");
    let hand_back_by = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, lease_owner, attempts): (String, Option<String>, i32) =
            sqlx::query_as("SELECT status::text, lease_owner, attempts FROM runs WHERE id = $1")
                .bind(run)
                .fetch_one(&owner)
                .await
                .unwrap();
        if lease_owner.is_none() {
            // Claimable at once, and a drain is not counted as a crashed attempt.
            assert_eq!((status.as_str(), attempts), ("running", 0));
            break;
        }
        assert!(Instant::now() < hand_back_by, "the run was not handed back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Another instance takes it over and finishes it, once.
    let _next = role_beside(Role::All, &app, &llm, &[]).await;
    assert_eq!(
        wait_for(&owner, run, &["succeeded", "failed"]).await,
        "succeeded"
    );
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM runs WHERE id = $1")
        .bind(run)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(attempts, 1);
}
