//! Thin transports over the backend's marketplace operations. Those that send the
//! browser elsewhere (a new agent, Stripe Checkout) redirect, which works with and
//! without JavaScript.

use leptos::prelude::*;
use uuid::Uuid;

use super::{BrowseQuery, Earnings, Listing, PurchaseState, TemplateView, TemplatesPage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "marketplace/browse")]
pub async fn browse_templates(query: BrowseQuery) -> Result<TemplatesPage, AppError> {
    use crate::backend;
    backend::respond(async { backend::marketplace()?.browse(query).await }.await)
}

#[server(prefix = "/api", endpoint = "marketplace/template")]
pub async fn get_template(slug: String) -> Result<TemplateView, AppError> {
    use crate::backend;
    backend::respond(
        async {
            let viewer = backend::maybe_actor().await?;
            backend::marketplace()?
                .template(viewer.as_ref(), &slug)
                .await
        }
        .await,
    )
}

/// Deploys, then opens the new agent.
#[server(prefix = "/api", endpoint = "marketplace/deploy")]
pub async fn deploy_template(template_id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let agent_id = backend::marketplace()?
                .deploy(&backend::actor().await?, template_id)
                .await?;
            leptos_axum::redirect(&format!("/agents/{agent_id}"));
            Ok(())
        }
        .await,
    )
}

/// Starts Stripe Checkout and sends the browser there.
#[server(prefix = "/api", endpoint = "marketplace/buy")]
pub async fn buy_template(template_id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let checkout = backend::marketplace()?
                .buy(&backend::actor().await?, template_id)
                .await?;
            leptos_axum::redirect(&checkout.url);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "marketplace/purchase")]
pub async fn get_purchase_state(session_id: String) -> Result<PurchaseState, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::marketplace()?
                .purchase_state(&backend::actor().await?, &session_id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "marketplace/review")]
pub async fn review_template(
    template_id: Uuid,
    rating: String,
    body: String,
) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let rating: i16 = rating
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("rating", "Choose 1 to 5 stars."))?;
            backend::marketplace()?
                .review(&backend::actor().await?, template_id, rating, &body)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "marketplace/reply")]
pub async fn reply_to_review(review_id: Uuid, reply: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::marketplace()?
                .reply(&backend::actor().await?, review_id, &reply)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "marketplace/listing")]
pub async fn get_listing(agent_id: Uuid) -> Result<Option<Listing>, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::marketplace()?
                .listing(&backend::actor().await?, agent_id)
                .await
        }
        .await,
    )
}

/// Publishes from the form: tags comma-separated, the price in dollars ("" is free).
#[server(prefix = "/api", endpoint = "marketplace/publish")]
pub async fn publish_template(
    agent_id: Uuid,
    title: String,
    summary: String,
    description_md: String,
    category: String,
    tags: String,
    price: String,
) -> Result<Listing, AppError> {
    use super::{PublishForm, parse_price, parse_tags};
    use crate::backend;
    let result = async {
        let form = PublishForm {
            title: title.clone(),
            summary: summary.clone(),
            description_md: description_md.clone(),
            category: category.clone(),
            tags: parse_tags(&tags),
            price_cents: parse_price(&price)?,
        };
        backend::marketplace()?
            .publish(&backend::actor().await?, agent_id, &form)
            .await
    }
    .await;
    // A refused form comes back filled in; a long description would not fit the
    // refill's cookie (and would take the other fields with it), so only a short one
    // is kept.
    let description = if description_md.len() <= REFILL_TEXT_MAX {
        description_md.as_str()
    } else {
        ""
    };
    backend::respond_in_place_to_form(
        "template-published",
        result,
        &[
            ("title", &title),
            ("summary", &summary),
            ("description_md", description),
            ("category", &category),
            ("tags", &tags),
            ("price", &price),
        ],
    )
}

/// The longest description a refused publish form gets back (a cookie holds ~4 KB).
#[cfg(feature = "ssr")]
const REFILL_TEXT_MAX: usize = 1500;

#[server(prefix = "/api", endpoint = "marketplace/unpublish")]
pub async fn unpublish_template(agent_id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::marketplace()?
                .unpublish(&backend::actor().await?, agent_id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "marketplace/earnings")]
pub async fn get_earnings() -> Result<Earnings, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::marketplace()?
                .earnings(&backend::actor().await?)
                .await
        }
        .await,
    )
}

/// Sends the creator to Stripe Connect's onboarding.
#[server(prefix = "/api", endpoint = "marketplace/connect")]
pub async fn connect_onboarding() -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let link = backend::marketplace()?
                .connect_onboarding(&backend::actor().await?)
                .await?;
            leptos_axum::redirect(&link.url);
            Ok(())
        }
        .await,
    )
}
