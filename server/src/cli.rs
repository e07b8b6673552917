//! Command-line entries beside the server: check a spec, or run one against the
//! configured providers with the answer streaming to the terminal.
//!
//! ```text
//! server validate SPEC.yaml
//! server run SPEC.yaml [input=value …]
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use app::runs::{RunEvent, StepKind, StepRecord};
use app::spec::parse_spec;
use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::config::Config;
use crate::engine::{CancelFlag, Engine, RecordError, Recorder, Resume, check_inputs};
use app::billing::PlanTier;

/// Runs a command when the arguments name one; `None` means "start the server".
pub async fn dispatch(args: &[String]) -> Option<ExitCode> {
    match args.first().map(String::as_str) {
        Some("validate") => Some(validate(args.get(1)?)),
        Some("run") => Some(run(args.get(1)?, &args[2..]).await),
        Some("help" | "--help" | "-h") => {
            say(
                "usage: server [validate SPEC | run SPEC [input=value …]]\nWithout arguments, starts the web server.",
            );
            Some(ExitCode::SUCCESS)
        }
        _ => None,
    }
}

fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn read_spec(path: &str) -> Result<app::spec::Spec, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        say(&format!("{path}: {error}"));
        ExitCode::FAILURE
    })?;
    parse_spec(&text).map_err(|errors| {
        for error in errors.0 {
            say(&format!(
                "{path}:{}:{}: {}: {}",
                error.line, error.column, error.path, error.message
            ));
        }
        ExitCode::FAILURE
    })
}

fn validate(path: &str) -> ExitCode {
    match read_spec(path) {
        Ok(spec) => {
            say(&format!("{path}: valid {} “{}”", spec.kind(), spec.name));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

async fn run(path: &str, pairs: &[String]) -> ExitCode {
    let spec = match read_spec(path) {
        Ok(spec) => spec,
        Err(code) => return code,
    };
    let given: Map<String, Value> = pairs
        .iter()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| {
            (
                name.to_string(),
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string())),
            )
        })
        .collect();
    let inputs = match check_inputs(&spec, &given) {
        Ok(inputs) => inputs,
        Err(problems) => {
            say(&format!("invalid input: {}", problems.join("; ")));
            return ExitCode::FAILURE;
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            say(&format!("configuration error: {error}"));
            return ExitCode::FAILURE;
        }
    };
    let engine = match Engine::new(config.engine) {
        Ok(engine) => engine,
        Err(error) => {
            say(&error.to_string());
            return ExitCode::FAILURE;
        }
    };
    let cancel = CancelFlag::default();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        on_ctrl_c.cancel();
    });
    let ctx = engine.context(
        &spec,
        PlanTier::Enterprise,
        &HashMap::new(),
        HashMap::new(),
        Arc::new(Terminal),
        cancel,
    );
    let result = engine
        .execute(&ctx, &spec, &inputs, Resume::default())
        .await;
    let mut out = std::io::stdout();
    let _ = writeln!(out);
    match result {
        Ok(output) => {
            let text = output
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| serde_json::to_string_pretty(&output).unwrap_or_default());
            say(&format!(
                "\n— succeeded · cost {} · {} tokens",
                ctx.spent(),
                ctx.tokens()
            ));
            let _ = writeln!(out, "{text}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            say(&format!(
                "\n— failed ({}): {} · cost {}",
                failure.reason,
                failure.detail,
                ctx.spent()
            ));
            ExitCode::FAILURE
        }
    }
}

/// Streams tokens to stdout and one line per step to stderr.
struct Terminal;

#[async_trait]
impl Recorder for Terminal {
    async fn step(&self, step: &StepRecord) -> Result<(), RecordError> {
        let what = match step.kind {
            StepKind::LlmCall => format!(
                "llm {}/{} · {}+{} tokens · {} · {} ms",
                step.provider.as_deref().unwrap_or("?"),
                step.model.as_deref().unwrap_or("?"),
                step.prompt_tokens,
                step.completion_tokens,
                step.cost,
                step.latency_ms
            ),
            StepKind::ToolCall => format!(
                "tool {} · {} ms",
                step.detail["tool"].as_str().unwrap_or("?"),
                step.latency_ms
            ),
            StepKind::Route => format!("route → {}", step.detail["chosen"]),
            StepKind::Invariant => format!("invariants {}", step.detail["checks"]),
            StepKind::Node => format!("node {} done", step.node.as_deref().unwrap_or("?")),
        };
        say(&format!("  [{}] {:?} {what}", step.seq, step.status));
        Ok(())
    }

    fn event(&self, event: RunEvent) {
        let mut out = std::io::stdout();
        match event {
            RunEvent::Token { text, .. } => {
                let _ = write!(out, "{text}");
                let _ = out.flush();
            }
            RunEvent::TextReset { .. } => {
                let _ = writeln!(out, "\n[retrying — the text above is discarded]");
            }
            RunEvent::NodeStarted { node } => say(&format!("\n▶ {node}")),
            _ => {}
        }
    }
}
