//! Settings → Single sign-on: thin transports over the backend's team SSO operations.

use leptos::prelude::*;
use uuid::Uuid;

use super::SsoOverview;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "sso/overview")]
pub async fn get_sso_overview() -> Result<SsoOverview, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::team_sso()?
                .overview(&backend::actor().await?)
                .await
        }
        .await,
    )
}

/// Saves the team's provider; an empty `client_secret` keeps the saved one.
#[server(prefix = "/api", endpoint = "sso/configure")]
pub async fn configure_sso(
    issuer: String,
    client_id: String,
    client_secret: String,
    default_role: String,
) -> Result<(), AppError> {
    use super::SsoProviderInput;
    use crate::auth::Role;
    use crate::backend;
    let result = async {
        let default_role = Role::parse(&default_role)
            .filter(|role| *role != Role::Owner)
            .ok_or_else(|| AppError::invalid("default_role", "Choose member or admin."))?;
        let input = SsoProviderInput {
            issuer: issuer.trim().to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret: client_secret.trim().to_owned(),
            default_role,
        };
        backend::team_sso()?
            .configure(&backend::actor().await?, input)
            .await
    }
    .await;
    backend::respond_in_place_to_form(
        "sso-saved",
        result,
        &[("issuer", &issuer), ("client_id", &client_id)],
    )
}

#[server(prefix = "/api", endpoint = "sso/require")]
pub async fn require_sso(required: bool) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::team_sso()?
                .require(&backend::actor().await?, required)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "sso/remove")]
pub async fn remove_sso() -> Result<(), AppError> {
    use crate::backend;
    backend::respond(async { backend::team_sso()?.remove(&backend::actor().await?).await }.await)
}

#[server(prefix = "/api", endpoint = "sso/add_domain")]
pub async fn add_sso_domain(domain: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::team_sso()?
                .add_domain(&backend::actor().await?, &domain)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "sso/verify_domain")]
pub async fn verify_sso_domain(id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::team_sso()?
                .verify_domain(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "sso/remove_domain")]
pub async fn remove_sso_domain(id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::team_sso()?
                .remove_domain(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}
