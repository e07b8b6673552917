//! The command line: the server's roles, and entries beside them — check a spec, or run
//! one against the configured providers with the answer streaming to the terminal.
//!
//! ```text
//! agent-factory                  migrate, serve and work in one process
//! agent-factory serve            HTTP only
//! agent-factory worker           runs, webhooks, scheduled jobs (probes on LEPTOS_SITE_ADDR)
//! agent-factory migrate          apply pending migrations, then exit
//! agent-factory health           exit 0 when the local server's /health answers
//! agent-factory validate SPEC.yaml
//! agent-factory run SPEC.yaml [input=value …]
//! ```
//!
//! (`server` is the binary's name in the build; the release bundle calls it
//! `agent-factory`.)

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use app::runs::{RunEvent, StepKind, StepRecord};
use app::spec::parse_spec;
use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::config::Config;
use crate::engine::providers::TeamProviders;
use crate::engine::{CancelFlag, Engine, RecordError, Recorder, Resume, check_inputs};
use crate::startup::Role;
use app::billing::PlanTier;

const USAGE: &str = "usage: agent-factory [serve | worker | migrate | health | validate SPEC | run SPEC [input=value …]]
Without arguments: migrates, serves and runs the workers in one process.";

/// What the arguments ask for.
pub enum Command {
    /// Start the server in this role.
    Start(Role),
    /// Apply the migrations and exit.
    Migrate,
    /// A command that has already run, with its exit code.
    Done(ExitCode),
}

/// Runs the commands that need no server configuration; says which role or command the
/// rest is.
pub async fn dispatch(args: &[String]) -> Command {
    let spec = || args.get(1).map(String::as_str);
    match (args.first().map(String::as_str), spec()) {
        (None, _) => Command::Start(Role::All),
        (Some("serve"), _) => Command::Start(Role::Serve),
        (Some("worker"), _) => Command::Start(Role::Worker),
        (Some("migrate"), _) => Command::Migrate,
        (Some("health"), _) => Command::Done(health().await),
        (Some("validate"), Some(path)) => Command::Done(validate(path)),
        (Some("run"), Some(path)) => Command::Done(run(path, &args[2..]).await),
        (Some("help" | "--help" | "-h"), _) => {
            say(USAGE);
            Command::Done(ExitCode::SUCCESS)
        }
        (Some(other), _) => {
            say(&format!(
                "agent-factory: unknown command `{other}`\n{USAGE}"
            ));
            Command::Done(ExitCode::from(2))
        }
    }
}

/// The container's health check (the image has no curl): the server on
/// `LEPTOS_SITE_ADDR` (an unspecified address means this host) answers `/health`.
async fn health() -> ExitCode {
    let addr = std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let Ok(mut addr) = addr.parse::<std::net::SocketAddr>() else {
        say(&format!("LEPTOS_SITE_ADDR is not an address: {addr}"));
        return ExitCode::FAILURE;
    };
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build();
    let answered = match client {
        Ok(client) => client.get(format!("http://{addr}/health")).send().await,
        Err(error) => Err(error),
    };
    match answered {
        Ok(response) if response.status().is_success() => ExitCode::SUCCESS,
        Ok(response) => {
            say(&format!("/health answered {}", response.status()));
            ExitCode::FAILURE
        }
        Err(error) => {
            say(&format!("/health did not answer: {error}"));
            ExitCode::FAILURE
        }
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
        &TeamProviders::default(),
        HashMap::new(),
        Arc::new(Terminal),
        cancel,
    );
    let result = engine
        .execute(&ctx, &spec, &inputs, None, Resume::default())
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
