use leptos::prelude::*;

/// Server-rendered `children` that stay current: every `seconds` the page's own address
/// is fetched again and this region's content replaced with the fresh render. The
/// browser downloads a timer and a fetch, not the code that draws the region (the
/// dashboard's charts and tables stay server-side). `id` names the region in both
/// documents.
#[island]
pub fn LiveRegion(#[prop(into)] id: String, seconds: u32, children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let region = id.clone();
        let refresh = move || {
            let region = region.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A failed refresh keeps what is on screen; the next tick tries again.
                let _ = replace_from_server(&region).await;
            });
        };
        let every = std::time::Duration::from_secs(u64::from(seconds));
        if let Ok(handle) = set_interval_with_handle(refresh, every) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = seconds;
    view! { <div id=id>{children()}</div> }
}

#[cfg(feature = "hydrate")]
async fn replace_from_server(region: &str) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let location = window().location().href()?;
    let response: web_sys::Response = JsFuture::from(window().fetch_with_str(&location))
        .await?
        .dyn_into()?;
    if !response.ok() {
        return Err(wasm_bindgen::JsValue::from_str("refresh failed"));
    }
    let html = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    let fresh = web_sys::DomParser::new()?
        .parse_from_string(&html, web_sys::SupportedType::TextHtml)?
        .get_element_by_id(region);
    if let (Some(fresh), Some(current)) = (fresh, document().get_element_by_id(region)) {
        current.set_inner_html(&fresh.inner_html());
    }
    Ok(())
}
