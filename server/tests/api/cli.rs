//! The command-line entry: `server validate` and `server run`, as a person types them.

use std::process::Command;

use crate::engine_helpers::fake;

const SERVER: &str = env!("CARGO_BIN_EXE_server");

#[test]
fn validate_reports_errors_with_their_lines() {
    let dir = std::env::temp_dir().join(format!("agf-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "name: Bad\ninstructions: x\ntools: [teleport]\n").unwrap();
    let output = Command::new(SERVER)
        .args(["validate", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(":3:") && stderr.contains("unknown tool `teleport`"),
        "{stderr}"
    );

    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../app/src/spec/examples/idea_validator.yaml"
    );
    let output = Command::new(SERVER)
        .args(["validate", good])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn run_streams_the_answer_and_prints_each_step() {
    let llm = fake().await;
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../app/src/spec/examples/market_research.yaml"
    );
    // The spec names no providers: the chain is what is configured, here the fake as Anthropic.
    let base = llm.base_url();
    // The command blocks; the fake provider keeps serving on the runtime meanwhile.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(SERVER)
            .args(["run", spec, "query=EV chargers in Spain"])
            .env("ANTHROPIC_BASE_URL", base)
            .env("ANTHROPIC_API_KEY", "sk-cli")
            .env("OLLAMA_BASE_URL", "")
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The demo answer is not the JSON the spec's output_schema demands: the run
    // streams it, asks once for a repair, and fails with the reason.
    assert!(
        stdout.contains("You asked: query: EV chargers in Spain"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("llm anthropic/claude-haiku-4-5"),
        "{stderr}"
    );
    assert!(stderr.contains("failed (output_schema)"), "{stderr}");
    assert!(!output.status.success());
}
