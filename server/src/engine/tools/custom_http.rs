//! Custom HTTP tools declared in a spec: the URL template is filled from the arguments
//! (percent-encoded, so an argument cannot change the host or path structure), the
//! rest travel as query parameters (GET/DELETE) or a JSON body, and secret headers are
//! resolved from the team's secrets at call time.

use std::collections::HashMap;

use app::spec::CustomTool;
use reqwest::Method;
use serde_json::{Map, Value};

use super::ToolOutcome;
use crate::ssrf::{GuardedHttp, OutboundRequest};

pub async fn call(
    http: &GuardedHttp,
    tool: &CustomTool,
    arguments: &Value,
    secrets: &HashMap<String, String>,
) -> ToolOutcome {
    let empty = Map::new();
    let arguments = arguments.as_object().unwrap_or(&empty);
    let (url, rest) = fill_template(&tool.url, arguments);
    let method = Method::from_bytes(tool.method.as_bytes()).unwrap_or(Method::GET);
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    for header in &tool.headers {
        let Some(secret) = secrets.get(&header.secret) else {
            return ToolOutcome::error(format!(
                "the team has no secret named {} (add it in Settings)",
                header.secret
            ));
        };
        headers.push((header.name.clone(), format!("{}{secret}", header.prefix)));
    }
    let with_body = matches!(method, Method::POST | Method::PUT | Method::PATCH);
    let url = if with_body || rest.is_empty() {
        url
    } else {
        match url::Url::parse(&url) {
            Ok(mut parsed) => {
                for (key, value) in &rest {
                    parsed.query_pairs_mut().append_pair(key, &plain(value));
                }
                parsed.to_string()
            }
            Err(_) => return ToolOutcome::error("the tool's URL is not valid once filled in"),
        }
    };
    let body = with_body.then(|| {
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
        Value::Object(rest.clone()).to_string().into_bytes()
    });
    let request = OutboundRequest {
        method,
        url,
        headers,
        body,
        follow_redirects: false,
    };
    match http.send(request).await {
        Err(error) => ToolOutcome::error(error.to_string()),
        Ok(response) => {
            let body = String::from_utf8_lossy(&response.body).into_owned();
            let text = format!("HTTP {}\n{body}", response.status);
            if (200..300).contains(&response.status) {
                ToolOutcome::ok(text)
            } else {
                ToolOutcome::error(text)
            }
        }
    }
}

/// Fills `{name}` placeholders; returns the URL and the arguments not used in it.
fn fill_template(template: &str, arguments: &Map<String, Value>) -> (String, Map<String, Value>) {
    let mut rest = arguments.clone();
    let mut url = template.to_string();
    for (name, value) in arguments {
        let placeholder = format!("{{{name}}}");
        if url.contains(&placeholder) {
            let encoded: String =
                url::form_urlencoded::byte_serialize(plain(value).as_bytes()).collect();
            url = url.replace(&placeholder, &encoded.replace('+', "%20"));
            rest.remove(name);
        }
    }
    (url, rest)
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::fill_template;

    #[test]
    fn placeholders_are_encoded_and_consumed() {
        let args = json!({"id": "a/b?c d", "limit": 3});
        let (url, rest) = fill_template(
            "https://api.example.com/items/{id}",
            args.as_object().expect("object"),
        );
        assert_eq!(url, "https://api.example.com/items/a%2Fb%3Fc%20d");
        assert_eq!(rest.len(), 1);
        assert_eq!(rest["limit"], 3);
    }
}
