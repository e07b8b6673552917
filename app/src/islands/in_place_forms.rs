//! The pages whose forms answer in place — the settings pages, publishing a template,
//! a purchase waiting for Stripe — as one island.
//!
//! They share nearly all their client code (server functions, actions, resources,
//! validation). As eleven islands, the WASM splitter gave every combination of islands
//! using a piece of that code a chunk of its own, and the editor fetched 113 files. As
//! one island they are one chunk, fetched once for all of these pages.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api_keys::ApiKeysPage;
use crate::billing::BillingSettings;
use crate::marketplace::{EarningsPage, PublishTemplateForm, PurchaseStatus};
use crate::profile::ProfileSettings;
use crate::providers::ProvidersPage;
use crate::team_sso::SsoSettings;
use crate::teams::TeamSettings;
use crate::webhooks::WebhooksPage;

/// Which page's forms, with what the server knows that the forms need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InPlaceForm {
    Team,
    Sso,
    Profile,
    Providers,
    ApiKeys,
    Webhooks,
    /// `upgraded`: back from a Checkout.
    Billing {
        upgraded: bool,
    },
    Earnings,
    Publish {
        agent_id: Uuid,
    },
    Purchase {
        slug: String,
        session: String,
    },
}

#[island(lazy)]
pub fn InPlaceForms(form: InPlaceForm) -> impl IntoView {
    match form {
        InPlaceForm::Team => view! { <TeamSettings /> }.into_any(),
        InPlaceForm::Sso => view! { <SsoSettings /> }.into_any(),
        InPlaceForm::Profile => view! { <ProfileSettings /> }.into_any(),
        InPlaceForm::Providers => view! { <ProvidersPage /> }.into_any(),
        InPlaceForm::ApiKeys => view! { <ApiKeysPage /> }.into_any(),
        InPlaceForm::Webhooks => view! { <WebhooksPage /> }.into_any(),
        InPlaceForm::Billing { upgraded } => view! { <BillingSettings upgraded /> }.into_any(),
        InPlaceForm::Earnings => view! { <EarningsPage /> }.into_any(),
        InPlaceForm::Publish { agent_id } => view! { <PublishTemplateForm agent_id /> }.into_any(),
        InPlaceForm::Purchase { slug, session } => {
            view! { <PurchaseStatus slug session /> }.into_any()
        }
    }
}
