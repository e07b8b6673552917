//! Following a run as it happens: the browser subscribes to the run's server-sent
//! events. Only the hydrated client does this; the server renders the recorded state.

use uuid::Uuid;

use crate::runs::RunEvent;

/// Where the web app follows a run of its team.
pub fn events_of(run_id: Uuid) -> String {
    format!("/api/runs/{run_id}/events")
}

/// Subscribes to the run events at `url` for the lifetime of the current reactive
/// owner, until the run has finished. `EventSource` reconnects by itself after a
/// dropped connection, sending `Last-Event-ID`, so nothing is missed or repeated; but
/// it gives up for good on an answer other than 200 (a restarting server's 503, a
/// proxy's 502). Then a new one is opened after a pause that doubles each time, asking
/// for the events after the last one seen (`?after=`): the follower never stalls.
#[cfg(feature = "hydrate")]
pub fn follow(url: &str, on_event: impl Fn(RunEvent) + 'static) {
    let follower = std::rc::Rc::new(browser::Follower::new(url, on_event));
    browser::Follower::connect(&follower);
    let held = send_wrapper::SendWrapper::new(follower);
    leptos::prelude::on_cleanup(move || held.take().stop());
}

#[cfg(not(feature = "hydrate"))]
pub fn follow(_url: &str, _on_event: impl Fn(RunEvent) + 'static) {}

/// The address that resumes the events at `url` after the event `id`.
#[cfg(any(feature = "hydrate", test))]
fn resuming(url: &str, id: &str) -> String {
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}after={id}")
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::{Rc, Weak};
    use std::time::Duration;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{Event, EventSource, MessageEvent};

    use crate::runs::RunEvent;

    const EVENTS: [&str; 6] = [
        "status",
        "token",
        "text_reset",
        "node_started",
        "step",
        "finished",
    ];
    /// The first pause before a refused stream is opened again, and the longest.
    const FIRST_PAUSE: Duration = Duration::from_millis(500);
    const LONGEST_PAUSE: Duration = Duration::from_secs(8);

    pub struct Follower {
        url: String,
        on_event: Box<dyn Fn(RunEvent)>,
        state: RefCell<State>,
    }

    #[derive(Default)]
    struct State {
        source: Option<EventSource>,
        /// The open source's listeners (dropping them unhooks nothing: the source
        /// is closed first).
        listeners: Vec<Closure<dyn FnMut(Event)>>,
        last_id: Option<String>,
        refusals: u32,
        /// The run has finished, or no one follows any more.
        stopped: bool,
    }

    impl Follower {
        pub fn new(url: &str, on_event: impl Fn(RunEvent) + 'static) -> Self {
            Follower {
                url: url.to_owned(),
                on_event: Box::new(on_event),
                state: RefCell::default(),
            }
        }

        /// Opens the stream, after the last event seen if any.
        pub fn connect(this: &Rc<Follower>) {
            let url = match &this.state.borrow().last_id {
                Some(id) => super::resuming(&this.url, id),
                None => this.url.clone(),
            };
            let Ok(source) = EventSource::new(&url) else {
                return;
            };
            let mut listeners = Vec::new();
            for name in EVENTS {
                let weak = Rc::downgrade(this);
                let listener = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                    if let Some(this) = weak.upgrade() {
                        this.received(event.unchecked_into());
                    }
                });
                let _ = source
                    .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                listeners.push(listener);
            }
            let weak = Rc::downgrade(this);
            let on_error = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                if let Some(this) = weak.upgrade() {
                    this.refused();
                }
            });
            let _ =
                source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
            listeners.push(on_error);
            let mut state = this.state.borrow_mut();
            if let Some(old) = state.source.replace(source) {
                old.close();
            }
            state.listeners = listeners;
        }

        fn received(&self, message: MessageEvent) {
            let Some(data) = message.data().as_string() else {
                return;
            };
            let Ok(event) = serde_json::from_str::<RunEvent>(&data) else {
                return;
            };
            {
                let mut state = self.state.borrow_mut();
                let id = message.last_event_id();
                if !id.is_empty() {
                    state.last_id = Some(id);
                }
                state.refusals = 0;
            }
            if matches!(event, RunEvent::Finished { .. }) {
                self.stop();
            }
            (self.on_event)(event);
        }

        /// An error on the stream: the browser retries a dropped connection by itself
        /// (the source is still connecting); a refused one is ours to open again.
        fn refused(self: Rc<Self>) {
            let pause = {
                let mut state = self.state.borrow_mut();
                let closed = state
                    .source
                    .as_ref()
                    .is_some_and(|source| source.ready_state() == EventSource::CLOSED);
                if state.stopped || !closed {
                    return;
                }
                state.refusals += 1;
                FIRST_PAUSE
                    .saturating_mul(1 << (state.refusals - 1).min(8))
                    .min(LONGEST_PAUSE)
            };
            let weak: Weak<Follower> = Rc::downgrade(&self);
            leptos::prelude::set_timeout(
                move || match weak.upgrade() {
                    Some(this) if !this.state.borrow().stopped => Follower::connect(&this),
                    _ => {}
                },
                pause,
            );
        }

        pub fn stop(&self) {
            let mut state = self.state.borrow_mut();
            state.stopped = true;
            if let Some(source) = &state.source {
                source.close();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resuming;

    #[test]
    fn a_resumed_stream_asks_for_the_events_after_the_last_one_seen() {
        assert_eq!(
            resuming("/api/runs/1/events", "17-0"),
            "/api/runs/1/events?after=17-0"
        );
        assert_eq!(
            resuming("/c/t/runs/1/events?session=abc", "17-0"),
            "/c/t/runs/1/events?session=abc&after=17-0"
        );
    }
}
