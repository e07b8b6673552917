//! Response bodies that arrive over time or break off: server-sent events with per-word
//! delays, and the deliberately truncated bodies of `Cut`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;

use crate::state::Shutdown;

/// What happens after the last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The body ends normally.
    Complete,
    /// The connection is dropped, as when a provider dies mid-reply.
    Drop,
}

/// The events of one streamed reply, each with the pause before it.
pub(crate) struct Events {
    frames: Vec<(Duration, Bytes)>,
    token_delay: Duration,
}

impl Events {
    pub(crate) fn new(token_delay: Duration) -> Events {
        Events {
            frames: Vec::new(),
            token_delay,
        }
    }

    /// An event sent straight after the previous one.
    pub(crate) fn push(&mut self, frame: Bytes) {
        self.frames.push((Duration::ZERO, frame));
    }

    /// An event carrying generated tokens, sent after the per-token delay.
    pub(crate) fn push_token(&mut self, frame: Bytes) {
        self.frames.push((self.token_delay, frame));
    }

    pub(crate) fn into_response(self, ending: Ending, shutdown: Shutdown) -> Response {
        self.into_response_as("text/event-stream", ending, shutdown)
    }

    /// The events as a body of this content type (Bedrock's are binary frames).
    pub(crate) fn into_response_as(
        self,
        content_type: &'static str,
        ending: Ending,
        shutdown: Shutdown,
    ) -> Response {
        let frames = self.frames.into_iter();
        let body = futures::stream::unfold(Some((frames, shutdown)), move |state| async move {
            let (mut frames, mut shutdown) = state?;
            match frames.next() {
                Some((delay, frame)) => {
                    if shutdown.sleep(delay).await {
                        Some((Ok(frame), Some((frames, shutdown))))
                    } else {
                        Some((Err(broken("the fake LLM is shutting down")), None))
                    }
                }
                None => match ending {
                    Ending::Complete => None,
                    Ending::Drop => Some((Err(cut().await), None)),
                },
            }
        });
        (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            Body::from_stream(body),
        )
            .into_response()
    }
}

fn broken(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, why)
}

/// The error that ends a cut body. A body error makes hyper close the connection without
/// finishing the response, which is what a client sees when a provider dies mid-reply.
async fn cut() -> std::io::Error {
    // Yield once first: while the body is pending hyper flushes what it has, so the client
    // gets the headers and the words before the connection drops (otherwise it would see
    // nothing at all).
    tokio::task::yield_now().await;
    broken("cut by the fake LLM")
}

/// `data: JSON` — an OpenAI-style event.
pub(crate) fn data(json: &Value) -> Bytes {
    Bytes::from(format!("data: {json}\n\n"))
}

/// `event: NAME` + `data: JSON` — an Anthropic-style event.
pub(crate) fn event(name: &str, json: &Value) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {json}\n\n"))
}

/// A JSON response that announces its full length but closes the connection halfway, so a
/// non-streaming client sees a truncated body.
pub(crate) fn truncated_json(json: &Value) -> Response {
    let full = Bytes::from(json.to_string());
    let half = full.slice(..full.len() / 2);
    let first: Result<Bytes, std::io::Error> = Ok(half);
    let parts = futures::stream::once(async { first })
        .chain(futures::stream::once(async { Err(cut().await) }));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(full.len())),
        ],
        Body::from_stream(parts),
    )
        .into_response()
}

/// Splits tool-call arguments into at least two fragments (when there are two characters to
/// split), so clients must reassemble them as they must with a real provider.
pub(crate) fn fragments(arguments: &str) -> Vec<&str> {
    let chars = arguments.chars().count();
    let size = chars.div_ceil(2).clamp(1, 8);
    let mut pieces = Vec::new();
    let mut start = 0;
    for (count, (index, _)) in arguments.char_indices().enumerate() {
        if count > 0 && count % size == 0 {
            pieces.push(&arguments[start..index]);
            start = index;
        }
    }
    pieces.push(&arguments[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_split_arguments_into_two_or_more_pieces() {
        assert_eq!(fragments("{}"), ["{", "}"]);
        assert_eq!(fragments(r#"{"a":1}"#), [r#"{"a""#, ":1}"]);
        let long = r#"{"city":"Zürich","days":3}"#;
        let pieces = fragments(long);
        assert!(pieces.len() >= 3);
        assert_eq!(pieces.concat(), long);
    }
}
