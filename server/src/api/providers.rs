//! `/v1/providers`: the providers a team can route to (with their models, the team's
//! keys masked, and the routing order), and the team's routing order. The keys
//! themselves are set in Settings → Providers only.

use app::api_keys::Scope;
use app::providers::{NewRoutingOrder, ProvidersOverview};
use axum::Json;
use axum::extract::State;

use super::auth::Caller;
use super::extract::Body;
use super::problem::Problem;
use super::responses::{BadBody, Invalid, Refusals};
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/providers", operation_id = "listProviders", tag = "Providers", summary = "List providers", description = "Each provider the team can route to: whether the platform configured it, the team's key (masked), the models it offers (the catalogue's and those it lists); the routing order and whether the team chose it. Scope: read.", responses((status = 200, body = ProvidersOverview), Refusals))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ProvidersOverview>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.team_keys.overview(&caller.actor).await?))
}

#[utoipa::path(put, path = "/v1/providers/order", operation_id = "setRoutingOrder", tag = "Providers", summary = "Set the routing order", description = "The providers the team's runs and gateway calls try in turn when an agent names none (`model.prefer`); each known provider at most once. An empty list goes back to the platform's order. Scope: admin.", request_body = NewRoutingOrder, responses((status = 200, body = ProvidersOverview), Invalid, Refusals, BadBody))]
pub async fn set_order(
    State(state): State<AppState>,
    caller: Caller,
    Body(order): Body<NewRoutingOrder>,
) -> Result<Json<ProvidersOverview>, Problem> {
    caller.require(Scope::Admin)?;
    crate::team_routing::save(&state.db, &caller.actor, &order.providers).await?;
    Ok(Json(state.team_keys.overview(&caller.actor).await?))
}
