//! Server-sent events from a byte stream: `event:` and `data:` fields, events separated
//! by a blank line, CRLF tolerated. Bounded so a hostile stream cannot grow memory.
//!
//! Ours rather than `eventsource-stream` (what async-openai uses): that crate's only
//! entry point takes a byte stream and buffers an event of any size, and a provider,
//! or a proxy in front of one, that never ends a line would grow our memory without
//! limit. The bound here ([`MAX_EVENT_BYTES`]) ends such a stream with an error; the
//! format itself is the small part.

use futures::{Stream, StreamExt};

use super::ProviderError;

const MAX_EVENT_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Splits a byte stream into events; bytes after the last blank line are dropped when
/// the stream ends (an unterminated event was cut off).
pub fn events<S>(bytes: S) -> impl Stream<Item = Result<SseEvent, ProviderError>> + Send
where
    S: Stream<Item = Result<bytes::Bytes, ProviderError>> + Send + 'static,
{
    futures::stream::unfold(
        (Box::pin(bytes), Vec::<u8>::new(), false),
        |(mut bytes, mut buffer, done)| async move {
            loop {
                if let Some(event) = take_event(&mut buffer) {
                    return Some((Ok(event), (bytes, buffer, done)));
                }
                if done {
                    return None;
                }
                match bytes.next().await {
                    None => return None,
                    Some(Err(error)) => return Some((Err(error), (bytes, buffer, true))),
                    Some(Ok(piece)) => {
                        buffer.extend_from_slice(&piece);
                        if buffer.len() > MAX_EVENT_BYTES {
                            return Some((Err(ProviderError::TooLarge), (bytes, Vec::new(), true)));
                        }
                    }
                }
            }
        },
    )
}

fn take_event(buffer: &mut Vec<u8>) -> Option<SseEvent> {
    loop {
        let end = find_blank_line(buffer)?;
        let raw: Vec<u8> = buffer.drain(..end.0 + end.1).collect();
        let text = String::from_utf8_lossy(&raw[..end.0]);
        let mut event = None;
        let mut data: Vec<&str> = Vec::new();
        for line in text.lines() {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => event = Some(value.to_string()),
                "data" => data.push(value),
                _ => {} // comments (`: ping`), ids and retry hints carry nothing for us
            }
        }
        if !data.is_empty() || event.is_some() {
            return Some(SseEvent {
                event,
                data: data.join("\n"),
            });
        }
    }
}

/// (end of the event's text, length of the separator).
fn find_blank_line(buffer: &[u8]) -> Option<(usize, usize)> {
    for i in 0..buffer.len() {
        if buffer[i..].starts_with(b"\n\n") {
            return Some((i, 2));
        }
        if buffer[i..].starts_with(b"\r\n\r\n") {
            return Some((i, 4));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    #[tokio::test]
    async fn splits_events_across_pieces() {
        let pieces = [
            "event: a\nda",
            "ta: {\"x\":1}\n\n: ping\n\ndata: two\r\n\r\ndata: cut",
        ];
        let stream = futures::stream::iter(pieces.map(|p| Ok(bytes::Bytes::from(p))));
        let got: Vec<SseEvent> = events(stream).map(|e| e.expect("event")).collect().await;
        assert_eq!(
            got,
            vec![
                SseEvent {
                    event: Some("a".into()),
                    data: "{\"x\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "two".into()
                },
            ]
        );
    }
}
