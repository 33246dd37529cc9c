//! `GET /kapi/v1/sandbox-stream`: Server-Sent Events from the sandbox's Kustomer server to its own page,
//! standing in for Kustomer's real-time channel. This is what makes an API-made status change show in
//! the page's status menu (bidirectional sync, issue 4), and new notes and fields appear (issue 8).
//!
//! Each event's `data` is the JSON of [`PageEvent`]; its SSE event name is the `event` field.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::Stream;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::state::{App, PageEvent};

pub async fn stream(State(app): State<App>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = app.page_events.subscribe();
    let shutdown = app.shutdown.subscribe();
    let stream = futures_util::stream::unfold(
        (events, shutdown),
        |(mut events, mut shutdown)| async move {
            if *shutdown.borrow() {
                return None;
            }
            let next = tokio::select! {
                e = events.recv() => e,
                _ = shutdown.changed() => return None,
            };
            let sse = match next {
                Ok((seq, event)) => to_sse(seq, &event),
                // A slow page missed events: tell it to reload everything rather than drift.
                Err(RecvError::Lagged(_)) => to_sse(0, &PageEvent::Reset),
                Err(RecvError::Closed) => return None,
            };
            Some((Ok(sse), (events, shutdown)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn to_sse(seq: u64, event: &PageEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    Event::default()
        .id(seq.to_string())
        .event(event.name())
        .data(data)
}

#[derive(serde::Deserialize)]
pub struct After {
    after: Option<u64>,
}

/// `GET /kapi/v1/sandbox-events?after=<seq>`: the same events, polled. The page uses it when loaded
/// with `?poll=1`: an open SSE stream stops Chromium's virtual time, so `--virtual-time-budget`
/// screenshots need it. Without `after`, only the latest sequence number (a starting point).
pub async fn poll(State(app): State<App>, Query(q): Query<After>) -> Json<Value> {
    let Some(after) = q.after else {
        let (_, latest) = app.page_events_after(u64::MAX - 1);
        return Json(json!({ "events": [], "last": latest }));
    };
    let (events, latest) = app.page_events_after(after);
    let events: Vec<Value> = events
        .into_iter()
        .map(|(seq, e)| {
            let mut v = serde_json::to_value(&e).unwrap_or(Value::Null);
            v["seq"] = json!(seq);
            v
        })
        .collect();
    Json(json!({ "events": events, "last": latest }))
}
