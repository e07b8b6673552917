//! The official SDKs the gateway's users call it with, run unchanged against it (the
//! scripts are in tests/sdk; `make test` installs the SDKs from PyPI).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::contract::{contract_tool, run_tool};
use crate::gateway_webhooks::gateway;
use crate::helpers::TestApp;
use crate::rest::{key, send};

/// Runs one SDK script (tests/sdk) against a server whose demo model is the fake, with
/// `AGF_BASE_URL` (the server's URL and `base_path`) and `AGF_KEY`.
async fn run_script(script: &str, base_path: &str) {
    let (_llm, app, caller) = gateway().await;
    run_against(&app, &caller, script, base_path, &[]).await;
}

/// Runs one SDK script against `app` with `caller`'s key and `env` besides.
async fn run_against(
    app: &TestApp,
    caller: &str,
    script: &str,
    base_path: &str,
    env: &[(&str, &str)],
) {
    let Some(python) = contract_tool("AGF_PYTHON") else {
        return;
    };
    let mut command = std::process::Command::new(python);
    command
        .arg(format!("{}/tests/sdk/{script}", env!("CARGO_MANIFEST_DIR")))
        .env("AGF_BASE_URL", app.url(base_path))
        .env("AGF_KEY", caller)
        .envs(env.iter().copied());
    let output = run_tool(command).await;
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_official_openai_python_sdk_chats_streams_calls_tools_parses_and_embeds() {
    run_script("openai_python.py", "/v1").await;
}

#[tokio::test]
async fn the_official_anthropic_python_sdk_sends_messages_streams_and_uses_tools() {
    // Anthropic's SDK adds `/v1/messages` to its base URL itself.
    run_script("anthropic_python.py", "").await;
}

#[tokio::test]
async fn the_official_openai_python_sdk_talks_to_an_agent_as_a_model() {
    let (_llm, app, caller) = gateway().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    let spec =
        json!({ "spec": { "name": "Concierge", "instructions": "You greet people by name." } });
    let (status, created, _) = send(&app, Method::POST, "/v1/agents", &admin, Some(spec)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    run_against(
        &app,
        &caller,
        "openai_agent_python.py",
        "/v1",
        &[("AGF_AGENT", "concierge")],
    )
    .await;
}
