//! Stand-ins for Stripe's hosted pages: Checkout (Pay / Cancel), the customer portal
//! (cancel the subscription) and Connect onboarding (back to the platform).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use crate::api::session_object;
use crate::events;
use crate::state::{LiveSubscription, Shared, lock, now};

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1e293b}}
.box{{border:1px solid #cbd5e1;border-radius:.75rem;padding:1.5rem}}button{{background:#635bff;color:#fff;border:0;border-radius:.375rem;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}}
.muted{{color:#64748b;font-size:.875rem}}</style></head><body><p class="muted">Fake Stripe (test mode)</p><div class="box">{body}</div></body></html>"#
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub async fn checkout(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let Some(session) = lock(&shared.sessions).get(&id).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "<p>No such Checkout session.</p>"),
        )
            .into_response();
    };
    let every = if session.mode == "subscription" {
        " / month"
    } else {
        ""
    };
    let body = format!(
        r#"<h1>Pay {name}</h1><p><strong data-testid="checkout-amount">${dollars}.{cents:02}{every}</strong></p>
<p class="muted">Card 4242 4242 4242 4242 (test)</p>
<form method="post" action="/checkout/{id}/pay"><button type="submit">Pay</button></form>
<p><a href="{cancel}">Cancel and go back</a></p>"#,
        name = escape(&session.product),
        dollars = session.amount / 100,
        cents = session.amount % 100,
        cancel = escape(&session.cancel_url),
    );
    page("Checkout", &body).into_response()
}

pub async fn pay(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let session = {
        let mut sessions = lock(&shared.sessions);
        let Some(session) = sessions.get_mut(&id) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        if session.paid {
            None
        } else {
            session.paid = true;
            Some(session.clone())
        }
    };
    let Some(session) = session else {
        // Paid already: back to the shop, nothing charged twice.
        let target = lock(&shared.sessions)
            .get(&id)
            .map(|s| s.success_url.replace("{CHECKOUT_SESSION_ID}", &id))
            .unwrap_or_default();
        return Redirect::to(&target).into_response();
    };
    let mut completed = session_object(&shared, &session, "complete", "paid");
    let mut sent = Vec::new();
    if session.mode == "subscription" {
        let subscription_id = shared.id("sub");
        completed["subscription"] = json!(subscription_id);
        let customer = session.customer.clone().unwrap_or_default();
        lock(&shared.subscriptions).insert(
            subscription_id.clone(),
            LiveSubscription {
                customer: customer.clone(),
                metadata: session.subscription_metadata.clone(),
            },
        );
        sent.push(("checkout.session.completed", completed));
        sent.push((
            "customer.subscription.created",
            subscription(
                &subscription_id,
                &customer,
                &session.subscription_metadata,
                "active",
            ),
        ));
    } else {
        completed["payment_intent"] = json!(shared.id("pi"));
        sent.push(("checkout.session.completed", completed));
    }
    events::send(&shared, sent);
    Redirect::to(
        &session
            .success_url
            .replace("{CHECKOUT_SESSION_ID}", &session.id),
    )
    .into_response()
}

fn subscription(
    id: &str,
    customer: &str,
    metadata: &HashMap<String, String>,
    status: &str,
) -> serde_json::Value {
    let period_end = now() + 30 * 24 * 3600;
    json!({
        "id": id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "metadata": metadata,
        "cancel_at_period_end": false,
        "items": { "object": "list", "data": [{ "object": "subscription_item", "current_period_end": period_end }] },
    })
}

pub async fn portal(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let Some(portal) = lock(&shared.portals).get(&id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let active = lock(&shared.subscriptions)
        .values()
        .any(|live| live.customer == portal.customer);
    let cancel = if active {
        format!(
            r#"<form method="post" action="/portal/{id}/cancel"><button type="submit">Cancel subscription</button></form>"#
        )
    } else {
        "<p>No active subscription.</p>".to_string()
    };
    let body = format!(
        r#"<h1>Billing</h1><p class="muted">Customer {customer}</p>{cancel}<p><a href="{back}">Return</a></p>"#,
        customer = escape(&portal.customer),
        back = escape(&portal.return_url),
    );
    page("Billing portal", &body).into_response()
}

pub async fn cancel_subscription(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Response {
    let Some(portal) = lock(&shared.portals).get(&id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let ended: Vec<(String, HashMap<String, String>)> = {
        let mut subscriptions = lock(&shared.subscriptions);
        let ids: Vec<String> = subscriptions
            .iter()
            .filter(|(_, live)| live.customer == portal.customer)
            .map(|(id, _)| id.clone())
            .collect();
        ids.into_iter()
            .filter_map(|id| subscriptions.remove(&id).map(|live| (id, live.metadata)))
            .collect()
    };
    let sent = ended
        .iter()
        .map(|(id, metadata)| {
            (
                "customer.subscription.deleted",
                subscription(id, &portal.customer, metadata, "canceled"),
            )
        })
        .collect();
    events::send(&shared, sent);
    Redirect::to(&portal.return_url).into_response()
}

pub async fn connect(
    Path(account): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let back = query.get("return_url").cloned().unwrap_or_default();
    let body = format!(
        r#"<h1>Set up payouts</h1><p class="muted">Account {account}</p><p><a href="{back}">Finish and return</a></p>"#,
        account = escape(&account),
        back = escape(&back),
    );
    page("Connect onboarding", &body).into_response()
}
