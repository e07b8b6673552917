//! The public REST API, `/v1`: the same operations as the web app, through the same
//! application interface, with API-key auth and problem+json errors. Handlers parse,
//! call and map; nothing here decides anything the web app decides differently.

mod agents;
mod auth;
mod body;
mod problem;
mod runs;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::state::AppState;
pub use problem::Problem;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agents", get(agents::list).post(agents::create))
        .route("/agents/{id}", get(agents::get).put(agents::update))
        .route(
            "/agents/{id}/runs",
            get(runs::list).post(runs::start),
        )
        .route("/runs/{id}", get(runs::get))
        .route("/runs/{id}/cancel", post(runs::cancel))
        .fallback(|| async {
            Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "No such API endpoint.",
            )
        })
}
