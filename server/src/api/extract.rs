//! The API's request extractors. Axum's own answer a bad path segment, query string or
//! body with 400 in text/plain; these refuse the same inputs as problem+json naming the
//! part at fault, like every other API error. (Every request type denies unknown
//! fields, so an unknown query parameter or body field is refused too.)

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::{FieldProblem, Problem};

/// A JSON body (`Content-Type: application/json`; otherwise 415).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Body(value))
    }
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
