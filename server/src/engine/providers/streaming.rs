//! What the wire formats share once a response arrives: SSE events folded into chunks
//! by the format's assembler, and whole JSON bodies.

use futures::StreamExt;
use serde_json::Value;

use super::http::{self, HttpLimits};
use super::sse::{SseEvent, events};
use super::{Chunk, ChunkStream, ProviderError};

/// The response's SSE events through `absorb` (one event may give several chunks, or
/// none).
pub(super) fn chunks(
    response: reqwest::Response,
    limits: &HttpLimits,
    absorb: impl FnMut(&SseEvent) -> Result<Vec<Chunk>, ProviderError> + Send + 'static,
) -> ChunkStream {
    assembled(events(http::bounded_stream(response, limits)), absorb)
}

/// A stream of a format's events (SSE's, Bedrock's binary frames) through `absorb`,
/// ending with its finish (see [`ensure_finished`]).
pub(super) fn assembled<E: Send + 'static>(
    events: impl futures::Stream<Item = Result<E, ProviderError>> + Send + 'static,
    mut absorb: impl FnMut(&E) -> Result<Vec<Chunk>, ProviderError> + Send + 'static,
) -> ChunkStream {
    let chunks = events
        .map(move |event| event.and_then(|event| absorb(&event)))
        .flat_map(|result| {
            futures::stream::iter(match result {
                Ok(chunks) => chunks.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(error) => vec![Err(error)],
            })
        });
    Box::pin(ensure_finished(chunks))
}

/// A whole (bounded) JSON body.
pub(super) async fn json(
    response: reqwest::Response,
    limits: &HttpLimits,
) -> Result<Value, ProviderError> {
    let body = http::read_limited(response, limits, usize::MAX).await?;
    serde_json::from_slice(&body).map_err(|e| ProviderError::Malformed(e.to_string()))
}

/// A stream that ends without its terminator was cut: say so instead of passing off a
/// partial answer as complete.
fn ensure_finished(
    chunks: impl futures::Stream<Item = Result<Chunk, ProviderError>> + Send + 'static,
) -> impl futures::Stream<Item = Result<Chunk, ProviderError>> + Send + 'static {
    futures::stream::unfold(
        (Box::pin(chunks), false, false),
        |(mut chunks, finished, ended)| async move {
            if ended {
                return None;
            }
            match chunks.next().await {
                Some(Ok(chunk)) => {
                    let finished = finished || matches!(chunk, Chunk::Finish(_));
                    Some((Ok(chunk), (chunks, finished, false)))
                }
                Some(Err(error)) => Some((Err(error), (chunks, finished, true))),
                None if finished => None,
                None => Some((Err(ProviderError::StreamCut), (chunks, finished, true))),
            }
        },
    )
}
