//! Stripe's API, the part we call: form-encoded requests, JSON objects back, errors in
//! Stripe's shape, and a repeated `Idempotency-Key` answered with the first answer.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::{RecordedRequest, Session, Shared, lock, now};

type Params = Vec<(String, String)>;

/// Checks the key, records the call, and answers from the idempotency cache or `make`.
fn call(
    shared: &Shared,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
    make: impl FnOnce(&Params) -> Result<Value, String>,
) -> Response {
    let key = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let required = shared.options().secret_key;
    if !key.starts_with("sk_") || required.is_some_and(|r| r != key) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API Key provided.");
    }
    let Ok(params) = serde_urlencoded::from_bytes::<Params>(body) else {
        return error(StatusCode::BAD_REQUEST, "Invalid request body.");
    };
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    shared.record(RecordedRequest {
        path: path.to_string(),
        idempotency_key: idempotency_key.clone(),
        params: params.clone(),
    });
    let cache_key = idempotency_key.map(|k| format!("{path}:{k}"));
    if let Some(k) = &cache_key
        && let Some(answer) = lock(&shared.answers).get(k)
    {
        return Json(answer.clone()).into_response();
    }
    match make(&params) {
        Ok(answer) => {
            if let Some(k) = cache_key {
                lock(&shared.answers).insert(k, answer.clone());
            }
            Json(answer).into_response()
        }
        Err(message) => error(StatusCode::BAD_REQUEST, &message),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({ "error": { "type": "invalid_request_error", "message": message } });
    (status, Json(body)).into_response()
}

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `prefix[key]=value` pairs as a map (`metadata`, `subscription_data[metadata]` …).
fn map(params: &Params, prefix: &str) -> HashMap<String, String> {
    params
        .iter()
        .filter_map(|(key, value)| {
            let rest = key.strip_prefix(prefix)?.strip_prefix('[')?;
            let name = rest.strip_suffix(']')?;
            (!name.contains('[')).then(|| (name.to_string(), value.clone()))
        })
        .collect()
}

pub async fn create_customer(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    call(&shared, "/v1/customers", &headers, &body, |params| {
        Ok(json!({
            "id": shared.id("cus"),
            "object": "customer",
            "created": now(),
            "livemode": false,
            "email": param(params, "email"),
            "name": param(params, "name"),
            "metadata": map(params, "metadata"),
            "balance": 0,
            "delinquent": false,
        }))
    })
}

pub async fn create_checkout_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    call(
        &shared,
        "/v1/checkout/sessions",
        &headers,
        &body,
        |params| {
            let line = "line_items[0][price_data]";
            let amount: i64 = param(params, &format!("{line}[unit_amount]"))
                .and_then(|a| a.parse().ok())
                .ok_or("Missing required param: line_items[0][price_data][unit_amount].")?;
            let mode = param(params, "mode").ok_or("Missing required param: mode.")?;
            let success_url = param(params, "success_url").ok_or("Missing success_url.")?;
            let session = Session {
                id: shared.id("cs"),
                mode: mode.to_string(),
                customer: param(params, "customer").map(str::to_string),
                product: param(params, &format!("{line}[product_data][name]"))
                    .unwrap_or("Item")
                    .to_string(),
                amount,
                metadata: map(params, "metadata"),
                subscription_metadata: map(params, "subscription_data[metadata]"),
                success_url: success_url.to_string(),
                cancel_url: param(params, "cancel_url").unwrap_or_default().to_string(),
                paid: false,
            };
            let object = session_object(&shared, &session, "open", "unpaid");
            lock(&shared.sessions).insert(session.id.clone(), session);
            Ok(object)
        },
    )
}

/// A Checkout session as Stripe's API returns it (the fields its clients require).
pub fn session_object(shared: &Shared, session: &Session, status: &str, payment: &str) -> Value {
    json!({
        "id": session.id,
        "object": "checkout.session",
        "amount_subtotal": session.amount,
        "amount_total": session.amount,
        "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
        "cancel_url": session.cancel_url,
        "client_reference_id": null,
        "created": now(),
        "currency": "usd",
        "custom_fields": [],
        "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
        "customer": session.customer,
        "expires_at": now() + 24 * 3600,
        "livemode": false,
        "metadata": session.metadata,
        "mode": session.mode,
        "payment_intent": null,
        "payment_method_types": ["card"],
        "payment_status": payment,
        "shipping_options": [],
        "status": status,
        "subscription": null,
        "success_url": session.success_url,
        "url": format!("{}/checkout/{}", shared.base, session.id),
    })
}

pub async fn create_portal_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    call(
        &shared,
        "/v1/billing_portal/sessions",
        &headers,
        &body,
        |params| {
            let customer = param(params, "customer").ok_or("Missing required param: customer.")?;
            let id = shared.id("bps");
            lock(&shared.portals).insert(
                id.clone(),
                crate::state::Portal {
                    customer: customer.to_string(),
                    return_url: param(params, "return_url").unwrap_or_default().to_string(),
                },
            );
            Ok(json!({
                "id": id,
                "object": "billing_portal.session",
                "configuration": "bpc_test_default",
                "created": now(),
                "customer": customer,
                "livemode": false,
                "return_url": param(params, "return_url"),
                "url": format!("{}/portal/{id}", shared.base),
            }))
        },
    )
}

pub async fn create_account(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    call(&shared, "/v1/accounts", &headers, &body, |params| {
        Ok(json!({
            "id": shared.id("acct"),
            "object": "account",
            "type": param(params, "type").unwrap_or("express"),
            "charges_enabled": false,
            "payouts_enabled": false,
            "details_submitted": false,
            "metadata": map(params, "metadata"),
        }))
    })
}

pub async fn create_account_link(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    call(&shared, "/v1/account_links", &headers, &body, |params| {
        let account = param(params, "account").ok_or("Missing required param: account.")?;
        let back = param(params, "return_url").unwrap_or_default();
        Ok(json!({
            "object": "account_link",
            "created": now(),
            "expires_at": now() + 300,
            "url": format!("{}/connect/{account}?return_url={}", shared.base, encode(back)),
        }))
    })
}

fn encode(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)])
        .map(|s| s.trim_start_matches("x=").to_string())
        .unwrap_or_default()
}
