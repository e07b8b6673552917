//! OpenTelemetry traces as an operator's collector receives them: a `serve` and a
//! `worker` process of the real binary with OTLP on, a run started by a caller that
//! sends its own `traceparent`, and the spans received over OTLP/HTTP (protobuf) forming
//! one tree across both processes, named and described by the GenAI conventions.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Attribute;
use prost::Message;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::startup::Role;

use crate::engine_helpers::fake;
use crate::helpers::{spawn_role_on, test_database};
use crate::rest::{key, send};

const SERVER: &str = env!("CARGO_BIN_EXE_server");

/// A span as received, with what the test looks at.
#[derive(Debug, Clone)]
struct Received {
    service: String,
    trace_id: String,
    span_id: String,
    parent_id: String,
    name: String,
    /// OTLP's enum: 1 internal, 2 server, 3 client.
    kind: i32,
    /// 2 is error.
    status: i32,
    attributes: HashMap<String, String>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// A minimal OTLP/HTTP receiver: decodes each export and keeps its spans.
async fn receiver() -> (String, Inbox) {
    async fn export(State(inbox): State<Inbox>, body: Bytes) -> StatusCode {
        let Ok(request) = ExportTraceServiceRequest::decode(body) else {
            return StatusCode::BAD_REQUEST;
        };
        let mut inbox = inbox.lock().unwrap();
        for resource_spans in request.resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|a| a.key == "service.name")
                .map(|a| text(a.value.as_ref().and_then(|v| v.value.as_ref())))
                .unwrap_or_default();
            for span in resource_spans
                .scope_spans
                .into_iter()
                .flat_map(|scope| scope.spans)
            {
                inbox.push(Received {
                    service: service.clone(),
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_id: hex(&span.parent_span_id),
                    name: span.name,
                    kind: span.kind,
                    status: span.status.map_or(0, |s| s.code),
                    attributes: span
                        .attributes
                        .iter()
                        .map(|a| {
                            (
                                a.key.clone(),
                                text(a.value.as_ref().and_then(|v| v.value.as_ref())),
                            )
                        })
                        .collect(),
                });
            }
        }
        StatusCode::OK
    }
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new()
        .route("/v1/traces", post(export))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), inbox)
}

fn text(value: Option<&Attribute>) -> String {
    match value {
        Some(Attribute::StringValue(s)) => s.clone(),
        Some(Attribute::IntValue(i)) => i.to_string(),
        Some(Attribute::BoolValue(b)) => b.to_string(),
        Some(Attribute::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A process of the real binary; killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_run_is_one_trace_from_the_callers_request_through_the_worker() {
    let llm = fake().await;
    let (collector, inbox) = receiver().await;
    let (database_url, owner_database_url) = test_database().await;
    let provider = [
        ("OPENAI_BASE_URL", format!("{}/v1", llm.base_url())),
        ("OPENAI_API_KEY", "sk-test".to_string()),
        ("ROUTER_CHAIN", "openai".to_string()),
        ("OLLAMA_BASE_URL", String::new()),
    ];
    // Sign in and make an agent and a key through an in-process server (no worker).
    let setup = spawn_role_on(
        Role::Serve,
        database_url.clone(),
        owner_database_url.clone(),
        &provider
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    )
    .await;
    setup.sign_in_demo().await;
    let api_key = key(&setup, &["read", "run", "admin"]).await;
    let spec = "name: Calc\ninstructions: 'Use the calculator. [fake:tool=calculator {\"expression\": \"6*7\"}]'\ntools: [calculator]\n";
    let (status, created, _) = send(
        &setup,
        reqwest::Method::POST,
        "/v1/agents",
        &api_key,
        Some(json!({ "spec": spec })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let agent_id = created["id"].as_str().unwrap().to_string();

    // A web and a worker process (its probes on a port of its own), both exporting to
    // the collector.
    let start = |role: &str, service: &str, port: u16| {
        let mut command = Command::new(SERVER);
        command
            .arg(role)
            .env("DATABASE_URL", &database_url)
            .env("DATABASE_OWNER_URL", &owner_database_url)
            .env("REDIS_URL", &setup.redis_url)
            .env("REDIS_PREFIX", &setup.redis_prefix)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("SEED_DEMO_DATA", "false")
            // The default log level: info lines our traces leave out made spans vanish once.
            .env("RUST_LOG", "info")
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
            .env("OTEL_SERVICE_NAME", service)
            // Export within a tenth of a second instead of the default five.
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (name, value) in &provider {
            command.env(name, value);
        }
        Process(command.spawn().expect("the server binary did not start"))
    };
    let port = free_port();
    let _web = start("serve", "agf-web", port);
    let _worker = start("worker", "agf-worker", free_port());
    let web = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(response) = http.get(format!("{web}/ready")).send().await {
            ready = response.status().is_success();
            if ready {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the web process never became ready");

    // The caller's own trace: its span is the parent of everything that follows.
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{caller_trace}-{caller_span}-01");
    let start = |traceparent: Option<&str>| {
        let mut request = http
            .post(format!("{web}/v1/agents/{agent_id}/runs?wait=true"))
            .bearer_auth(&api_key)
            .json(&json!({ "input": {} }));
        if let Some(traceparent) = traceparent {
            request = request.header("traceparent", traceparent);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let run = start(Some(&traceparent)).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let run_id = run["id"].as_str().unwrap().to_string();

    // Spans arrive in batches from both processes; wait for the ones expected.
    let mut spans = Vec::new();
    for _ in 0..200 {
        spans = inbox.lock().unwrap().clone();
        let chats = spans.iter().filter(|s| s.name.starts_with("chat ")).count();
        let request = spans.iter().any(|s| s.name == "POST /v1/agents/{id}/runs");
        if chats >= 2 && request && spans.iter().any(|s| s.name == "invoke_agent Calc") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let named = |name: &str| -> Vec<&Received> {
        spans
            .iter()
            .filter(|s| s.trace_id == caller_trace && s.name == name)
            .collect()
    };

    // The web process's server span continues the caller's span.
    let request = named("POST /v1/agents/{id}/runs");
    assert_eq!(request.len(), 1, "no request span: {spans:#?}");
    let request = request[0];
    assert_eq!(request.parent_id, caller_span);
    assert_eq!(request.kind, 2, "a server span");
    assert_eq!(request.service, "agf-web");
    assert_eq!(request.attributes["http.request.method"], "POST");
    assert_eq!(request.attributes["http.response.status_code"], "200");

    // The worker process's run span is the request's child, through the run's row.
    let invoke = named("invoke_agent Calc");
    assert_eq!(
        invoke.len(),
        1,
        "no run span in the caller's trace: {spans:#?}"
    );
    let invoke = invoke[0];
    assert_eq!(invoke.service, "agf-worker");
    assert_eq!(invoke.parent_id, request.span_id);
    assert_eq!(invoke.attributes["gen_ai.operation.name"], "invoke_agent");
    assert_eq!(invoke.attributes["gen_ai.agent.name"], "Calc");
    assert_eq!(invoke.attributes["gen_ai.agent.id"], agent_id);
    assert_eq!(invoke.attributes["agent_factory.run.id"], run_id);
    assert_eq!(invoke.attributes["agent_factory.agent.version"], "1");
    assert_eq!(invoke.attributes["agent_factory.run.status"], "succeeded");
    assert_eq!(
        invoke.attributes["agent_factory.cost.micro_usd"],
        run["cost"].to_string(),
        "{run}"
    );
    let team: String = sqlx::query_scalar("SELECT team_id::text FROM runs WHERE id = $1::uuid")
        .bind(&run_id)
        .fetch_one(&setup.owner_pool().await)
        .await
        .unwrap();
    assert_eq!(invoke.attributes["agent_factory.team.id"], team);

    // Two model calls (the tool call, then the answer) and the tool between them.
    let chats: Vec<&Received> = spans
        .iter()
        .filter(|s| s.parent_id == invoke.span_id && s.name.starts_with("chat "))
        .collect();
    assert_eq!(chats.len(), 2, "{spans:#?}");
    for chat in &chats {
        assert_eq!(chat.kind, 3, "a client span");
        assert_eq!(chat.attributes["gen_ai.operation.name"], "chat");
        assert_eq!(chat.attributes["gen_ai.provider.name"], "openai");
        assert_eq!(
            chat.name,
            format!("chat {}", chat.attributes["gen_ai.request.model"])
        );
        let input: u64 = chat.attributes["gen_ai.usage.input_tokens"]
            .parse()
            .unwrap();
        let output: u64 = chat.attributes["gen_ai.usage.output_tokens"]
            .parse()
            .unwrap();
        assert!(input > 0 && output > 0, "{chat:?}");
        assert!(chat.attributes.contains_key("agent_factory.cost.micro_usd"));
    }
    let tool = named("execute_tool calculator");
    assert_eq!(tool.len(), 1, "{spans:#?}");
    assert_eq!(tool[0].parent_id, invoke.span_id);
    assert_eq!(tool[0].attributes["gen_ai.tool.name"], "calculator");
    assert_eq!(tool[0].attributes["gen_ai.operation.name"], "execute_tool");
    assert_ne!(tool[0].status, 2);
    // A second run through the same processes is traced too: spans do not stop after a
    // process's first trace.
    let second = start(None).await;
    let second_id = second["id"].as_str().unwrap().to_string();
    let traced = |spans: &[Received]| {
        let runs = spans
            .iter()
            .filter(|s| s.name == "POST /v1/agents/{id}/runs")
            .count();
        let invoked = spans.iter().any(|s| {
            s.name == "invoke_agent Calc"
                && s.attributes.get("agent_factory.run.id") == Some(&second_id)
        });
        runs == 2 && invoked
    };
    for _ in 0..200 {
        if traced(&inbox.lock().unwrap()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let spans = inbox.lock().unwrap().clone();
    assert!(traced(&spans), "the second run was not traced: {spans:#?}");

    // The team's data is not in the trace: no prompt, answer or tool arguments.
    assert!(
        spans
            .iter()
            .all(|s| s.attributes.values().all(|v| !v.contains("6*7"))),
        "tool arguments leaked into a span"
    );
}
