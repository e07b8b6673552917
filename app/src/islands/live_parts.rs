use leptos::prelude::*;

/// Server-rendered parts of a page kept current without their code: each element with
/// an id marked `data-live-part` takes its content from a fresh render of `src` (the
/// page's own address when empty). With `every` seconds it does so on that beat (the
/// dashboard's figures, webhook deliveries made in the background), and stops once a
/// part holds an element marked `data-live-final` (a purchase Stripe has settled).
/// Without `every` it does so once, as soon as the page is live: for parts the server
/// left as placeholders rather than hold the page for them (a provider's reachability,
/// asked over the network), `src` being the address whose render waits for them. The
/// browser downloads a timer and a fetch, never the code that draws the parts. Without
/// JavaScript, `label` links to `src` to do it by hand.
#[island]
pub fn LiveParts(
    #[prop(optional, into)] src: Option<String>,
    #[prop(optional)] every: Option<u32>,
    #[prop(optional, into)] label: Option<String>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let fetch = src.clone().unwrap_or_default();
        let refresh = move || {
            let fetch = fetch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A failed refresh keeps what is on screen (the next beat tries again).
                let _ = refresh_parts(&fetch).await;
            });
        };
        match every {
            None => refresh(),
            Some(seconds) => {
                let beat = std::time::Duration::from_secs(u64::from(seconds));
                if let Ok(handle) = set_interval_with_handle(refresh, beat) {
                    on_cleanup(move || handle.clear());
                }
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = every;
    label.map(|label| {
        let src = src.unwrap_or_default();
        view! {
            <noscript>
                <a href=src class="text-sm text-indigo-600 underline dark:text-indigo-400">{label}</a>
            </noscript>
        }
    })
}

/// The page's live parts, by id.
#[cfg(feature = "hydrate")]
fn live_parts() -> Vec<web_sys::Element> {
    use wasm_bindgen::JsCast;
    let Ok(parts) = document().query_selector_all("[data-live-part]") else {
        return Vec::new();
    };
    (0..parts.length())
        .filter_map(|index| parts.item(index)?.dyn_into::<web_sys::Element>().ok())
        .collect()
}

#[cfg(feature = "hydrate")]
async fn refresh_parts(src: &str) -> Result<(), wasm_bindgen::JsValue> {
    let parts = live_parts();
    let settled = parts
        .iter()
        .any(|part| matches!(part.query_selector("[data-live-final]"), Ok(Some(_))));
    if settled {
        return Ok(());
    }
    let url = if src.is_empty() {
        window().location().href()?
    } else {
        src.to_owned()
    };
    let fresh = super::swap::fetch_page(&url).await?;
    for part in parts {
        super::swap::swap_in(&fresh, &part.id());
    }
    Ok(())
}
