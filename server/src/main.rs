use std::process::ExitCode;

use server::cli::Command;
use server::config::Config;
use server::startup::{self, Application};

// Every request allocates many small, short-lived buffers (headers, JSON, rows) across
// the runtime's threads; mimalloc's per-thread free lists serve those faster than the
// system allocator (measured with scripts/bench-api.sh; figures in the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each runtime thread's stack. Every recursive walk of untrusted input is bounded by a
/// depth limit well inside tokio's default 2 MiB; the larger stack is a margin on top,
/// since an overflow aborts the whole process rather than one request.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

#[expect(
    clippy::print_stderr,
    reason = "the runtime and the configuration come before logging exists"
)]
fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("agent-factory: could not start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

#[expect(
    clippy::print_stderr,
    reason = "configuration errors come before logging exists"
)]
async fn run() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let role = match server::cli::dispatch(&args).await {
        Command::Start(role) => Some(role),
        Command::Migrate => None,
        Command::Done(code) => return code,
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            // Logging is configured from this very config, so say it plainly.
            eprintln!("agent-factory: configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let telemetry = server::telemetry::init(config.log_format, config.traces.as_ref());
    let code = start(config, role).await;
    telemetry.shutdown().await;
    code
}

/// Migrates, or runs the server in its role until it stops.
async fn start(config: Config, role: Option<startup::Role>) -> ExitCode {
    let Some(role) = role else {
        return match startup::migrate(&config).await {
            Ok(()) => {
                tracing::info!(
                    version = server::db::schema::expected(),
                    "the schema is current"
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(%error, "migration failed");
                ExitCode::FAILURE
            }
        };
    };
    let app = match Application::build(config, role).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    if let Some(addr) = app.local_addr() {
        tracing::info!(url = %format!("http://{addr}"), ?role, "listening");
    }
    match app.serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped");
            ExitCode::FAILURE
        }
    }
}
