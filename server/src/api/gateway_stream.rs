//! Streaming a gateway answer, whatever the client's dialect: one call per choice, side
//! by side. Nothing is sent before the first text (or a whole answer) is in, so that a
//! request no provider could take fails with its HTTP status, as SDKs expect, rather
//! than inside a stream that said 200. Text goes out as it is produced; if a provider
//! fails after some of a choice's text went out (the router would start over
//! elsewhere), the stream ends with an error instead of mixing two answers. What the
//! events look like is the [`Dialect`]'s business (OpenAI chunks, Anthropic events).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::response::sse::Event;
use futures::channel::mpsc::UnboundedReceiver;
use serde_json::Value;

use crate::engine::providers::{Completion, Usage};
use crate::engine::router::{Decision, Progress, RouteFailure, Routed};
use crate::gateway::Prepared;
use crate::gateway::wire::total_usage;
use crate::metrics::Metrics;

/// The events of one dialect.
pub trait Dialect: Send + Sync + 'static {
    /// Before the first text: the answer's (and each choice's) opening.
    fn opening(&self, choices: u32) -> Vec<Event>;
    /// A piece of choice `index`'s text.
    fn text(&self, index: u32, text: &str) -> Event;
    /// The log probabilities of choice `index`'s latest text, where the dialect has them.
    fn logprobs(&self, _index: u32, _entries: &[Value]) -> Option<Event> {
        None
    }
    /// The end of choice `index`: its tool calls and finish reason.
    fn closing(&self, index: u32, answer: &Completion) -> Vec<Event>;
    /// A choice that failed after the stream opened.
    fn failure(&self, message: &str, code: &str) -> Event;
    /// The end of the stream, with every choice's usage.
    fn end(&self, usage: Usage) -> Vec<Event>;
}

/// A stream that has begun: its events, and the hints the provider answering it had no
/// use for (for `X-Gateway-Ignored-Params`).
pub struct Opened {
    pub events: UnboundedReceiver<Event>,
    pub ignored: Vec<String>,
}

pub async fn open_stream<D: Dialect>(
    prepared: Prepared,
    metrics: Arc<Metrics>,
    dialect: D,
    served: fn(&Metrics, &Routed),
) -> Result<Opened, RouteFailure> {
    let (sender, receiver) = futures::channel::mpsc::unbounded::<Event>();
    let (opened, on_open) =
        futures::channel::oneshot::channel::<Result<Vec<String>, RouteFailure>>();
    tokio::spawn(async move {
        let send = |event: Event| {
            let _ = sender.unbounded_send(event);
        };
        let choices = prepared.request.choices;
        // Taken by whoever opens the stream: the first text, or the end.
        let opened = Mutex::new(Some(opened));
        let take_opened = || opened.lock().ok().and_then(|mut o| o.take());
        // The provider of the attempt under way, whose text opens the stream.
        let answering: Mutex<Option<&'static str>> = Mutex::new(None);
        let open = || {
            if let Some(opened) = take_opened() {
                dialect.opening(choices).into_iter().for_each(send);
                let provider = answering.lock().ok().and_then(|a| *a);
                let ignored = provider.map_or(&[][..], |p| prepared.hints_unused_by(p));
                let _ = opened.send(Ok(ignored.to_vec()));
            }
        };
        let broken: Vec<AtomicBool> = (0..choices).map(|_| AtomicBool::new(false)).collect();
        let calls = (0..choices).map(|index| {
            let broken = &broken[index as usize];
            let (open, dialect, answering) = (&open, &dialect, &answering);
            let progress = move |progress: Progress<'_>| match progress {
                Progress::Attempt { provider } => {
                    if let Ok(mut answering) = answering.lock() {
                        *answering = Some(provider);
                    }
                }
                Progress::Text(text) if !broken.load(Ordering::Relaxed) => {
                    open();
                    send(dialect.text(index, text));
                }
                Progress::Logprobs(entries) if !broken.load(Ordering::Relaxed) => {
                    if let Some(event) = dialect.logprobs(index, entries) {
                        send(event);
                    }
                }
                Progress::Text(_) | Progress::Logprobs(_) => {}
                Progress::Reset => broken.store(true, Ordering::Relaxed),
            };
            let prepared = &prepared;
            async move { prepared.call(Some(&progress)).await }
        });
        let results = futures::future::join_all(calls).await;
        for result in &results {
            match result {
                Ok(routed) => {
                    prepared.record(routed);
                    served(&metrics, routed);
                }
                Err(_) => metrics.gateway_call("failed"),
            }
        }
        if !results.iter().any(Result::is_ok)
            && let Some(unopened) = take_opened()
        {
            if let Some(failure) = results.into_iter().find_map(Result::err) {
                let _ = unopened.send(Err(failure));
            }
            return;
        }
        open();
        let mut answered = Vec::new();
        for (index, result) in results.into_iter().enumerate() {
            match result {
                Ok(routed) if !broken[index].load(Ordering::Relaxed) => {
                    dialect
                        .closing(index as u32, &routed.completion)
                        .into_iter()
                        .for_each(send);
                    answered.push(routed.completion);
                }
                Ok(_) => send(dialect.failure(
                    "the provider failed mid-answer; retry the request",
                    "provider_failed",
                )),
                Err(failure) => send(dialect.failure(&failure.detail, failure.reason)),
            }
        }
        dialect
            .end(total_usage(&answered))
            .into_iter()
            .for_each(send);
    });
    match on_open.await {
        Ok(Ok(ignored)) => Ok(Opened {
            events: receiver,
            ignored,
        }),
        Ok(Err(failure)) => Err(failure),
        Err(_) => Err(RouteFailure {
            reason: "provider_failed",
            detail: "the answer stopped before it started".into(),
            decision: Decision::default(),
        }),
    }
}
