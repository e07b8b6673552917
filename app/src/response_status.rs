//! Lets a page set the HTTP status of the server-rendered response (a 404 page must
//! answer 404, not 200). In the browser there is no response, so it does nothing.

pub fn set_not_found() {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}
