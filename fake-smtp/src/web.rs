//! The web inbox: a list of what arrived, each message's text (links clickable) and its
//! HTML in a sandboxed frame, and the same as JSON for browser tests.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::inbox::{Inbox, Mail};

pub(crate) async fn serve(
    listener: TcpListener,
    inbox: Arc<Inbox>,
    mut stopped: watch::Receiver<()>,
) {
    let app = Router::new()
        .route("/", get(list))
        .route("/mails", get(mails))
        .route("/mails/{id}", get(one))
        .with_state(inbox);
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopped.changed().await;
        })
        .await;
}

#[derive(Deserialize)]
struct Filter {
    to: Option<String>,
}

/// `GET /mails[?to=address]`: the messages, oldest first, as JSON.
async fn mails(State(inbox): State<Arc<Inbox>>, Query(filter): Query<Filter>) -> Json<Vec<Mail>> {
    let mails = inbox.all().into_iter().filter(|mail| match &filter.to {
        Some(to) => mail.to.iter().any(|r| r.eq_ignore_ascii_case(to)),
        None => true,
    });
    Json(mails.collect())
}

async fn list(State(inbox): State<Arc<Inbox>>) -> Html<String> {
    let mails = inbox.all();
    let rows: String = mails
        .iter()
        .rev()
        .map(|mail| {
            format!(
                r#"<li><a href="/mails/{id}"><strong>{subject}</strong></a><br><small>to {to}</small></li>"#,
                id = mail.id,
                subject = escape(&mail.subject),
                to = escape(&mail.to.join(", ")),
            )
        })
        .collect();
    let body = if mails.is_empty() {
        "<p>Nothing yet. Mail the app sends shows up here.</p>".to_owned()
    } else {
        format!("<ul>{rows}</ul>")
    };
    page("Inbox", &body)
}

async fn one(State(inbox): State<Arc<Inbox>>, Path(id): Path<usize>) -> Response {
    let Some(mail) = inbox.get(id) else {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", "<p>No such message.</p>"),
        )
            .into_response();
    };
    let html = mail.html.as_deref().map_or(String::new(), |html| {
        format!(
            r#"<h2>HTML</h2><iframe sandbox title="The message as HTML" srcdoc="{}"></iframe>"#,
            escape(html)
        )
    });
    let body = format!(
        r#"<p><a href="/">← Inbox</a></p><dl><dt>From</dt><dd>{from}</dd><dt>To</dt><dd>{to}</dd></dl><h2>Text</h2><pre>{text}</pre>{html}"#,
        from = escape(&mail.from_header),
        to = escape(&mail.to.join(", ")),
        text = linked(&mail.text),
    );
    page(&mail.subject, &body).into_response()
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title} · fake-smtp</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}li{{margin:.5rem 0}}pre{{white-space:pre-wrap;background:#f5f5f5;padding:1rem}}iframe{{width:100%;height:30rem;border:1px solid #ddd}}dt{{font-weight:600}}</style></head>
<body><h1>{title}</h1><p><small>fake-smtp: mail kept here, never delivered.</small></p>{body}</body></html>"#,
        title = escape(title),
    ))
}

/// The text, escaped, with its http(s) links clickable.
fn linked(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                let link = escape(trimmed);
                format!(r#"<a href="{link}">{link}</a>{}"#, &word[trimmed.len()..])
            } else {
                escape(word)
            }
        })
        .collect()
}

fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::linked;

    #[test]
    fn links_in_text_are_clickable_and_the_rest_escaped() {
        assert_eq!(
            linked("Open http://a.test/x?t=1&u=2 now <b>"),
            r#"Open <a href="http://a.test/x?t=1&amp;u=2">http://a.test/x?t=1&amp;u=2</a> now &lt;b&gt;"#
        );
    }
}
