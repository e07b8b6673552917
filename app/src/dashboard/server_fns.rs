//! The dashboard's one read, a thin transport over the backend.

use leptos::prelude::*;

use super::Dashboard;
use crate::error::AppError;

/// The dashboard for the range in the page's query (`range`, or `from` and `to`).
#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn get_dashboard(
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Dashboard, AppError> {
    use super::DashboardRange;
    use crate::backend;
    backend::respond(
        async {
            let range = DashboardRange::parse(range.as_deref(), from.as_deref(), to.as_deref())?;
            backend::dashboards()?
                .dashboard(&backend::actor().await?, range)
                .await
        }
        .await,
    )
}
