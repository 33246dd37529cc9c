//! `GET /kapi/v1/sandbox-stream`: Server-Sent Events from the sandbox's Kustomer server to its own page,
//! standing in for Kustomer's real-time channel. This is what makes an API-made status change show in
//! the page's status menu (bidirectional sync, issue 4), and new notes and fields appear (issue 8).
//!
//! Each event's `data` is the JSON of [`PageEvent`]; its SSE event name is the `event` field.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::state::{App, PageEvent};

pub async fn stream(State(app): State<App>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = app.page_events.subscribe();
    let shutdown = app.shutdown.subscribe();
    let stream = futures_util::stream::unfold(
        (events, shutdown),
        |(mut events, mut shutdown)| async move {
            loop {
                if *shutdown.borrow() {
                    return None;
                }
                let next = tokio::select! {
                    e = events.recv() => e,
                    _ = shutdown.changed() => return None,
                };
                match next {
                    Ok(event) => {
                        let sse = to_sse(&event);
                        return Some((Ok(sse), (events, shutdown)));
                    }
                    // A slow page missed events: tell it to reload everything rather than drift.
                    Err(RecvError::Lagged(_)) => {
                        return Some((Ok(to_sse(&PageEvent::Reset)), (events, shutdown)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn to_sse(event: &PageEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    Event::default().event(event.name()).data(data)
}
