//! Web search through the operator's search provider (the Brave Search API format:
//! `GET {url}?q=…&count=…` with an `X-Subscription-Token` header).

use reqwest::Method;
use serde_json::Value;

use super::ToolOutcome;
use crate::ssrf::{GuardedHttp, OutboundRequest};

#[derive(Clone)]
pub struct SearchConfig {
    pub url: String,
    pub api_key: String,
}

impl std::fmt::Debug for SearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchConfig")
            .field("url", &self.url)
            .field("api_key", &"[redacted]")
            .finish()
    }
}

pub async fn search(
    http: &GuardedHttp,
    config: Option<&SearchConfig>,
    query: &str,
    count: u64,
) -> ToolOutcome {
    let Some(config) = config else {
        return ToolOutcome::error(
            "web search is not available: the operator has not configured a search provider (SEARCH_API_URL and SEARCH_API_KEY)",
        );
    };
    let Ok(mut url) = url::Url::parse(&config.url) else {
        return ToolOutcome::error("web search is misconfigured: SEARCH_API_URL is not a URL");
    };
    url.query_pairs_mut()
        .append_pair("q", query)
        .append_pair("count", &count.clamp(1, 10).to_string());
    let request = OutboundRequest {
        method: Method::GET,
        url: url.to_string(),
        headers: vec![
            ("X-Subscription-Token".into(), config.api_key.clone()),
            ("Accept".into(), "application/json".into()),
        ],
        body: None,
        follow_redirects: false,
    };
    let response = match http.send(request).await {
        Ok(response) => response,
        Err(error) => return ToolOutcome::error(format!("web search failed: {error}")),
    };
    if response.status != 200 {
        return ToolOutcome::error(format!(
            "web search failed: the search provider answered HTTP {}",
            response.status
        ));
    }
    let Ok(value) = serde_json::from_slice::<Value>(&response.body) else {
        return ToolOutcome::error("web search failed: the search provider's answer was not JSON");
    };
    let results: Vec<String> = value
        .pointer("/web/results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, r)| {
            let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
            format!(
                "{}. {}\n   {}\n   {}",
                i + 1,
                field("title"),
                field("url"),
                field("description")
            )
        })
        .collect();
    if results.is_empty() {
        ToolOutcome::ok(format!("No results for “{query}”."))
    } else {
        ToolOutcome::ok(results.join("\n"))
    }
}
