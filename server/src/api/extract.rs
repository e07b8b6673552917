//! The API's request extractors. Axum's own answer a bad path segment, query string or
//! body with 400 in text/plain; these refuse the same inputs as problem+json naming the
//! part at fault, like every other API error. (Every request type denies unknown
//! fields, so an unknown query parameter or body field is refused too.)

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::{FieldProblem, Problem};

/// A JSON object as the body (`Content-Type: application/json`; otherwise 415). Every
/// body of the API is an object: an array is refused even where serde would read one
/// as a struct's fields in order.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let bad_body = |status, detail: &str| {
            Problem::new(
                status,
                "bad-body",
                "The request body cannot be used",
                detail,
            )
        };
        if !is_json(request.headers()) {
            return Err(bad_body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Problem::from(JsonRejection::from(rejection)))?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(bad_body(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The body must be a JSON object, not a list.",
            ));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Body(value))
    }
}

/// `application/json` or a `+json` type, as axum's own JSON extractor takes.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .is_some_and(|essence| {
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
}

/// Path parameters; one that does not parse (an id that is not a UUID) is 422.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(path_problem(parts)),
        }
    }
}

/// Names the parameter at fault: the route's name for the first segment that is not a
/// UUID (`/agents/{id}` → `id`; every typed path parameter of the API is one).
fn path_problem(parts: &Parts) -> Problem {
    let route = parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_default();
    // The matched route may carry the `/v1` prefix the nested URI lost: align the ends.
    let field = route
        .rsplit('/')
        .zip(parts.uri.path().rsplit('/'))
        .filter_map(|(name, value)| Some((name.strip_prefix('{')?.strip_suffix('}')?, value)))
        .filter(|(_, value)| value.parse::<uuid::Uuid>().is_err())
        .last()
        .map_or("path", |(name, _)| name);
    Problem::invalid(vec![FieldProblem::new(field, "Not a valid id.")])
}

/// The query string; an unknown parameter or a value out of range is 422.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(query_problem(&rejection)),
        }
    }
}

fn query_problem(rejection: &QueryRejection) -> Problem {
    // serde's message names the parameter ("unknown field `x`, expected one of …",
    // "invalid digit found in string"); axum prefixes it with its own words.
    let message = rejection.body_text();
    let message = message
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&message);
    Problem::invalid(vec![FieldProblem::new("query", message)])
}
