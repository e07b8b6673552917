//! Fetches a public URL for the model, through the SSRF guard.

use reqwest::Method;

use super::ToolOutcome;
use crate::ssrf::{GuardedHttp, OutboundRequest};

pub async fn fetch(http: &GuardedHttp, url: &str) -> ToolOutcome {
    let request = OutboundRequest {
        method: Method::GET,
        url: url.to_string(),
        headers: Vec::new(),
        body: None,
        follow_redirects: true,
    };
    match http.send(request).await {
        Err(error) => ToolOutcome::error(error.to_string()),
        Ok(response) => {
            let content_type = response
                .headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("unknown")
                .to_string();
            let body = String::from_utf8_lossy(&response.body);
            let note = if response.truncated {
                "\n[truncated at the size limit]"
            } else {
                ""
            };
            let text = format!(
                "HTTP {} ({content_type}) from {}\n\n{body}{note}",
                response.status, response.final_url
            );
            if (200..400).contains(&response.status) {
                ToolOutcome::ok(text)
            } else {
                ToolOutcome::error(text)
            }
        }
    }
}
