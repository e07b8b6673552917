//! The API as its document describes it: every documented operation, walked.

use std::collections::HashSet;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

/// A contract-testing tool from PyPI that `make test` installs and names in this
/// variable. Run without it (a bare `cargo test`), the check says so and passes; the
/// suite's own run always has it.
#[allow(clippy::print_stderr)] // tells a bare `cargo test` run what it skipped
pub(crate) fn contract_tool(variable: &str) -> Option<PathBuf> {
    match std::env::var_os(variable) {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            eprintln!("{variable} is not set: skipped here; `make test` runs it");
            None
        }
    }
}

/// The operations anyone may call, and nothing else.
const PUBLIC: [(&str, &str); 2] = [("get", "/v1/templates"), ("get", "/v1/templates/{slug}")];

async fn document(app: &crate::helpers::TestApp) -> Value {
    app.get("/v1/openapi.json").await.json().await.unwrap()
}

/// Every operation in the document: method, templated path, operation.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().expect("no paths") {
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                all.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    all
}

/// `/v1` is closed by default: without credentials every documented operation but the
/// public reads answers 401 (as problem+json) before any handler runs, and so does a
/// path nobody documented.
#[tokio::test]
async fn every_operation_but_the_public_reads_needs_credentials() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let anonymous = reqwest::Client::new();
    let operations = operations(&document);
    assert!(
        operations.len() >= 25,
        "only {} operations",
        operations.len()
    );
    for (method, path, _) in &operations {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    uuid::Uuid::new_v4().to_string()
                } else {
                    segment.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let response = anonymous
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                app.url(&concrete),
            )
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status();
        if PUBLIC.contains(&(method.as_str(), path.as_str())) {
            assert_ne!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is public"
            );
        } else {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} answered without a key"
            );
            // The OpenAI- and Anthropic-compatible endpoints answer in their error shapes.
            let openai = ["/v1/chat/completions", "/v1/embeddings", "/v1/messages"]
                .contains(&path.as_str())
                || path.starts_with("/v1/models");
            assert_eq!(
                response.headers()["content-type"],
                if openai {
                    "application/json"
                } else {
                    "application/problem+json"
                },
                "{method} {path}"
            );
        }
    }
    let response = anonymous
        .get(app.url("/v1/undocumented"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // A public path with a method it does not take is refused as such.
    let response = anonymous
        .delete(app.url("/v1/templates"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    // The document itself stays readable.
    assert_eq!(
        anonymous
            .get(app.url("/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Runs a tool to the end off the test's runtime, so the server keeps answering it.
pub(crate) async fn run_tool(mut command: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the tool did not start")
}

/// Every operation has an id of its own (client generators need them unique), and the
/// document validates as OpenAPI 3.1 with `openapi-spec-validator`.
#[tokio::test]
async fn the_document_is_valid_openapi_with_unique_operation_ids() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let mut ids = HashSet::new();
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
    }
    let Some(validator) = contract_tool("AGF_OPENAPI_SPEC_VALIDATOR") else {
        return;
    };
    let file = std::env::temp_dir().join(format!("agf-openapi-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, serde_json::to_vec_pretty(&document).unwrap()).unwrap();
    let mut command = std::process::Command::new(validator);
    command.arg(&file);
    let output = run_tool(command).await;
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "the OpenAPI document does not validate:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A property-based fuzzer (schemathesis) over every operation with every check on:
/// no 5xx, every answer documented (status, content type, schema), invalid input
/// refused and valid input accepted. Bounded: a few examples per operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_property_based_fuzzer_finds_no_contract_violation() {
    let Some(schemathesis) = contract_tool("AGF_SCHEMATHESIS") else {
        return;
    };
    // A key as the server issues them: `agf_` and 43 URL-safe characters.
    let key = format!("agf_{}contract-ok", uuid::Uuid::new_v4().simple());
    // Runs and gateway calls get answers, from the fake model.
    let model = crate::engine_helpers::fake().await;
    let app = spawn_app_with(&[
        ("DEMO_API_KEY", key.as_str()),
        ("DEMO_LLM_BASE_URL", &model.base_url()),
    ])
    .await;
    let report = std::env::temp_dir().join(format!("agf-schemathesis-{}", uuid::Uuid::new_v4()));
    let mut command = std::process::Command::new(schemathesis);
    command
        .arg("--config-file")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/api/schemathesis.toml"
        ))
        .arg("run")
        .arg(app.url("/v1/openapi.json"))
        .args(["--max-examples", "10", "--seed", "1"])
        .args([
            "--generation-database",
            "none",
            "--no-color",
            "--workers",
            "1",
        ])
        // The server refuses U+0000 in any text on purpose (PostgreSQL cannot store
        // it; see server/src/http/nul_guard.rs), so the fuzzer does not send it.
        .args(["--generation-allow-x00", "false"])
        .args(["--request-timeout", "20"])
        .arg("--header")
        .arg(format!("Authorization: Bearer {key}"))
        .arg("--report-dir")
        .arg(&report);
    let output = run_tool(command).await;
    let _ = std::fs::remove_dir_all(&report);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Rejections of the path, query and body are problem+json naming what is wrong.
#[tokio::test]
async fn bad_paths_queries_and_bodies_are_refused_as_problems_naming_the_part() {
    let key = format!("agf_{}contract-ok", uuid::Uuid::new_v4().simple());
    let app = spawn_app_with(&[("DEMO_API_KEY", key.as_str())]).await;
    let client = reqwest::Client::new();
    let id = uuid::Uuid::new_v4();
    for (method, path, field) in [
        (Method::GET, "/v1/agents/not-an-id".to_string(), "id"),
        (
            Method::POST,
            format!("/v1/webhooks/{id}/deliveries/nope/resend"),
            "delivery_id",
        ),
        (Method::GET, "/v1/agents?colour=red".to_string(), "query"),
    ] {
        let response = client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }
    let response = client
        .post(app.url("/v1/agents"))
        .bearer_auth(&key)
        .header("content-type", "text/plain")
        .body("name: x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}
