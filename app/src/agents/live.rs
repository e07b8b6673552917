//! Following a run as it happens: the browser subscribes to the run's server-sent
//! events. Only the hydrated client does this; the server renders the recorded state.

use uuid::Uuid;

use crate::runs::RunEvent;

/// Where the web app follows a run of its team.
pub fn events_of(run_id: Uuid) -> String {
    format!("/api/runs/{run_id}/events")
}

/// Subscribes to the run events at `url` for the lifetime of the current reactive
/// owner. `EventSource` reconnects by itself after a drop, sending `Last-Event-ID`, so
/// nothing is missed or repeated.
#[cfg(feature = "hydrate")]
pub fn follow(url: &str, on_event: impl Fn(RunEvent) + 'static) {
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    const EVENTS: [&str; 6] = [
        "status",
        "token",
        "text_reset",
        "node_started",
        "step",
        "finished",
    ];
    let Ok(source) = EventSource::new(url) else {
        return;
    };
    let on_event = Rc::new(on_event);
    let mut listeners = Vec::new();
    for name in EVENTS {
        let (on_event, closer) = (on_event.clone(), source.clone());
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(data) = message.data().as_string() else {
                return;
            };
            if let Ok(event) = serde_json::from_str::<RunEvent>(&data) {
                let finished = matches!(event, RunEvent::Finished { .. });
                on_event(event);
                if finished {
                    closer.close();
                }
            }
        });
        let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        listeners.push(listener);
    }
    let held = send_wrapper::SendWrapper::new((source, listeners));
    leptos::prelude::on_cleanup(move || held.take().0.close());
}

#[cfg(not(feature = "hydrate"))]
pub fn follow(_url: &str, _on_event: impl Fn(RunEvent) + 'static) {}
