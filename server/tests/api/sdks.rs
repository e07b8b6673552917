//! The official SDKs the gateway's users call it with, run unchanged against it (the
//! scripts are in tests/sdk; `make test` installs the SDKs from PyPI).

use crate::contract::{contract_tool, run_tool};
use crate::gateway_webhooks::gateway;

/// Runs one SDK script (tests/sdk) against a server whose demo model is the fake, with
/// `AGF_BASE_URL` (the server's URL and `base_path`) and `AGF_KEY`.
async fn run_script(script: &str, base_path: &str) {
    let Some(python) = contract_tool("AGF_PYTHON") else {
        return;
    };
    let (_llm, app, caller) = gateway().await;
    let mut command = std::process::Command::new(python);
    command
        .arg(format!("{}/tests/sdk/{script}", env!("CARGO_MANIFEST_DIR")))
        .env("AGF_BASE_URL", app.url(base_path))
        .env("AGF_KEY", caller);
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
