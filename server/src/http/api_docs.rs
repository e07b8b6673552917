//! `/docs/api`: the API reference as one server-rendered page, drawn from the OpenAPI
//! document itself (so it cannot drift from the code), with its own small stylesheet
//! and nothing loaded from elsewhere.

use std::fmt::Write;

use axum::response::Html;
use serde_json::Value;

use crate::api::openapi;

/// The error types a problem's `type` links to (`/docs/api#problem-<slug>`).
const PROBLEMS: [(&str, &str); 12] = [
    (
        "unauthenticated",
        "401 — no key, or one that is unknown, malformed, expired or revoked.",
    ),
    (
        "missing-scope",
        "403 — the key lacks the scope this endpoint needs.",
    ),
    (
        "forbidden",
        "403 — the key's member role does not allow this.",
    ),
    (
        "not-found",
        "404 — no such object in this team (another team's objects look the same).",
    ),
    (
        "invalid",
        "422 — the request is invalid; `errors` lists each field and what is wrong.",
    ),
    (
        "bad-body",
        "400/413/415/422 — the body is not JSON, too large, or has unknown fields.",
    ),
    (
        "rate-limited",
        "429 — over the plan's requests per minute; retry after `Retry-After` seconds.",
    ),
    (
        "quota-exceeded",
        "429 — the plan's monthly runs or tokens are used up; they renew on the 1st (UTC).",
    ),
    (
        "idempotency-key-reused",
        "422 — this `Idempotency-Key` was used with a different request.",
    ),
    (
        "idempotency-in-progress",
        "409 — the first request with this `Idempotency-Key` is still being answered.",
    ),
    (
        "budget-exceeded",
        "402 — the key has spent its monthly gateway budget.",
    ),
    (
        "provider-failed",
        "502 — every provider the router tried failed.",
    ),
];

const STYLE: &str = "
body{font:15px/1.55 system-ui,sans-serif;margin:0;color:#0f172a;background:#f8fafc}
main{max-width:960px;margin:0 auto;padding:24px 16px}
h1{font-size:1.8rem;margin:.2em 0} h2{margin-top:2em;border-bottom:1px solid #e2e8f0;padding-bottom:.3em}
h3{font-size:1rem;margin:1.6em 0 .4em;word-break:break-all} code,pre{font-family:ui-monospace,monospace;font-size:.88em}
pre{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:8px;overflow-x:auto}
.method{display:inline-block;min-width:4.2em;padding:1px 6px;border-radius:4px;color:#fff;font-size:.8em;text-align:center;margin-right:6px}
.get{background:#2563eb}.post{background:#059669}.put{background:#d97706}.delete{background:#dc2626}
.table{overflow-x:auto} table{border-collapse:collapse;width:100%;margin:.4em 0} td,th{border-bottom:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
nav a{margin-right:12px} a{color:#4f46e5}
@media (prefers-color-scheme:dark){body{background:#020617;color:#e2e8f0}h2,td,th{border-color:#1e293b}a{color:#a5b4fc}}
";

pub async fn page() -> Html<String> {
    Html(render(openapi::document()))
}

fn render(doc: &Value) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Agent Factory API reference</title><style>{STYLE}</style></head><body><main>\
         <p><a href=\"/\">Agent Factory</a> · <a href=\"/v1/openapi.json\">OpenAPI 3.1 document</a></p>\
         <h1>API reference</h1><p>{}</p>",
        escape(doc["info"]["description"].as_str().unwrap_or_default())
    );
    html.push_str(INTRO);
    html.push_str("<h2 id=\"problems\">Error types</h2><div class=\"table\"><table>");
    for (slug, meaning) in PROBLEMS {
        let _ = write!(
            html,
            "<tr id=\"problem-{slug}\"><td><code>{slug}</code></td><td>{}</td></tr>",
            escape(meaning)
        );
    }
    html.push_str("</table></div>");
    operations(&mut html, doc);
    schemas(&mut html, doc);
    html.push_str("</main></body></html>");
    html
}

const INTRO: &str = "
<h2 id=\"auth\">Authentication</h2>
<p>Send a key from Settings → API keys as <code>Authorization: Bearer agf_…</code>. Scopes: <code>read</code>, <code>run</code>, <code>admin</code>. A key acts for the member who made it, with no more than that member's role.</p>
<pre>curl -H \"Authorization: Bearer $AGF_KEY\" http://127.0.0.1:3000/v1/agents</pre>
<h2 id=\"limits\">Rate limits, quotas, idempotency</h2>
<p>Every answer carries <code>X-RateLimit-Limit</code>, <code>X-RateLimit-Remaining</code> and <code>X-RateLimit-Reset</code> (seconds); a 429 carries <code>Retry-After</code>. Monthly run quotas follow the plan. A POST with <code>Idempotency-Key</code> is answered once; retries within 24 hours get the same answer with <code>Idempotent-Replayed: true</code>.</p>
<h2 id=\"webhooks\">Webhooks</h2>
<p>Events (<code>run.succeeded</code>, <code>run.failed</code>, <code>template.purchased</code>, <code>webhook.test</code>) arrive as <code>{\"type\", \"timestamp\", \"data\"}</code> with the Standard Webhooks headers <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature</code> (<code>v1,</code> + base64 HMAC-SHA256 of <code>id.timestamp.body</code> with the endpoint's secret). Failed deliveries are retried for about a day with the same id; answer 410 to switch an endpoint off.</p>
<h2 id=\"gateway\">OpenAI-compatible gateway</h2>
<p>Point an OpenAI SDK at <code>/v1</code> with an Agent Factory key. <code>model</code> is <code>auto</code>, <code>cheap</code>, <code>smart</code> or a name from <code>GET /v1/models</code>.</p>
<pre>client = OpenAI(base_url=\"http://127.0.0.1:3000/v1\", api_key=AGF_KEY)</pre>
";

fn operations(html: &mut String, doc: &Value) {
    let Some(paths) = doc["paths"].as_object() else {
        return;
    };
    // Grouped by tag, in the order tags first appear.
    let mut tags: Vec<String> = Vec::new();
    for item in paths.values() {
        for (_, op) in methods(item) {
            let tag = op["tags"][0].as_str().unwrap_or("Other").to_string();
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    html.push_str("<h2 id=\"endpoints\">Endpoints</h2><nav>");
    for tag in &tags {
        let _ = write!(html, "<a href=\"#tag-{}\">{}</a>", anchor(tag), escape(tag));
    }
    html.push_str("</nav>");
    for tag in &tags {
        let _ = write!(html, "<h2 id=\"tag-{}\">{}</h2>", anchor(tag), escape(tag));
        for (path, item) in paths {
            for (method, op) in methods(item) {
                if op["tags"][0].as_str().unwrap_or("Other") != tag {
                    continue;
                }
                operation(html, method, path, op);
            }
        }
    }
}

fn methods(item: &Value) -> impl Iterator<Item = (&'static str, &Value)> {
    ["get", "post", "put", "delete"]
        .into_iter()
        .filter_map(move |m| item.get(m).map(|op| (m, op)))
}

fn operation(html: &mut String, method: &str, path: &str, op: &Value) {
    let _ = write!(
        html,
        "<h3 id=\"{}\"><span class=\"method {method}\">{}</span><code>{}</code></h3><p><strong>{}</strong> {}</p>",
        anchor(&format!("{method}{path}")),
        method.to_uppercase(),
        escape(path),
        escape(op["summary"].as_str().unwrap_or_default()),
        escape(op["description"].as_str().unwrap_or_default()),
    );
    if let Some(parameters) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        html.push_str("<div class=\"table\"><table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>");
        for p in parameters {
            let _ = write!(
                html,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(p["name"].as_str().unwrap_or_default()),
                if p["required"].as_bool() == Some(true) {
                    " (required)"
                } else {
                    ""
                },
                escape(p["in"].as_str().unwrap_or_default()),
                type_of(&p["schema"]),
                escape(p["description"].as_str().unwrap_or_default()),
            );
        }
        html.push_str("</table></div>");
    }
    if let Some(body) = op["requestBody"]["content"]
        .as_object()
        .and_then(|c| c.values().next())
    {
        let _ = write!(html, "<p>Body: {}</p>", type_of(&body["schema"]));
    }
    if let Some(responses) = op["responses"].as_object() {
        html.push_str("<div class=\"table\"><table><tr><th>Status</th><th>Answer</th></tr>");
        for (status, response) in responses {
            let schema = response["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|c| type_of(&c["schema"]))
                .unwrap_or_default();
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{} {schema}</td></tr>",
                escape(status),
                escape(response["description"].as_str().unwrap_or_default()),
            );
        }
        html.push_str("</table></div>");
    }
}

fn schemas(html: &mut String, doc: &Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object() else {
        return;
    };
    html.push_str("<h2 id=\"schemas\">Types</h2>");
    for (name, schema) in schemas {
        let _ = write!(
            html,
            "<h3 id=\"schema-{}\">{}</h3>",
            anchor(name),
            escape(name)
        );
        if let Some(description) = schema["description"].as_str() {
            let _ = write!(html, "<p>{}</p>", escape(description));
        }
        if let Some(values) = schema["enum"].as_array() {
            let values: Vec<String> = values
                .iter()
                .map(|v| format!("<code>{}</code>", escape(&v.to_string())))
                .collect();
            let _ = write!(html, "<p>One of {}</p>", values.join(", "));
        }
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        html.push_str(
            "<div class=\"table\"><table><tr><th>Field</th><th>Type</th><th>Description</th></tr>",
        );
        for (field, property) in properties {
            let _ = write!(
                html,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                escape(field),
                if required.contains(&field.as_str()) {
                    ""
                } else {
                    " (optional)"
                },
                type_of(property),
                escape(property["description"].as_str().unwrap_or_default()),
            );
        }
        html.push_str("</table></div>");
    }
}

/// A schema's type, with references linked to their section.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{}\">{}</a>", anchor(name), escape(name));
    }
    if let Some(options) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let parts: Vec<String> = options.iter().map(type_of).collect();
        return parts.join(" or ");
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".to_string(),
    };
    if kind.starts_with("array") {
        return format!("array of {}", type_of(&schema["items"]));
    }
    escape(&kind)
}

fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_and_type_is_on_the_page() {
        let doc = openapi::document();
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
        let page = render(doc);
        for path in [
            "/v1/agents",
            "/v1/chat/completions",
            "/v1/webhooks/{id}/test",
        ] {
            assert!(page.contains(&escape(path)), "{path} missing");
        }
        assert!(page.contains("id=\"schema-agentspage\""));
        assert!(page.contains("id=\"problem-rate-limited\""));
        assert!(!page.contains("<script"), "the reference loads nothing");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
