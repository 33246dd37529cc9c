//! The record rules' notes, combined under load: every note the workers make goes through one queue,
//! and whatever has gathered while the previous request was out goes as one `POST /v1/notes/bulk`
//! (B13), each item with a `_clientRef` to match its result. A note alone goes as `POST /v1/notes`.
//!
//! Nothing waits to batch: at a quiet moment each note goes at once, on its own; only when notes come
//! faster than Kustomer answers (the moments the org's per-minute budget, B4, is under pressure, and
//! above all while a 429 pauses every request) do they share a request. So the cost of a call's notes
//! falls exactly when the budget needs it, and no note is later for it than one request's time.
//!
//! Exactly once: a note has no natural key (B18), so a request whose end is unknown is not sent again
//! for any of its notes (each counted as not repeated), as for a single note. A bulk request refused as
//! a whole (a 4xx) refuses each of its notes: sending them again one by one could make twice a note
//! Kustomer made before refusing.
//!
//! Not documented (B13): the bulk body and answer, and its largest size. We send a JSON array of the
//! notes' bodies, at most [`BULK_MAX`], read an item's result as the entry of the answer's `data` whose
//! `meta._clientRef` is its ref (else the entry at its position), and take an entry with `errors` as
//! that note refused and any other 2xx entry, or an unreadable 2xx answer, as made.

use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::kustomer::client::{Kustomer, KustomerError};
use crate::state::AppState;

/// The most notes one bulk request carries (Not documented: Kustomer's limit).
pub const BULK_MAX: usize = 25;

/// What became of one note.
#[derive(Debug)]
pub enum NoteOutcome {
    Made,
    /// Its request got no answer: it may have been made, and is not sent again.
    NotRepeated,
    Refused(KustomerError),
}

struct Queued {
    note: Value,
    reply: oneshot::Sender<NoteOutcome>,
}

/// The workers' side of the queue.
pub struct Notes {
    tx: mpsc::UnboundedSender<Queued>,
}

/// The sender's side, for `run`.
pub struct NoteQueue(mpsc::UnboundedReceiver<Queued>);

impl Notes {
    pub fn new() -> (Notes, NoteQueue) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Notes { tx }, NoteQueue(rx))
    }

    /// Sends `note` (`{conversation, body, attachments}`), alone or with others, and answers what
    /// became of it.
    pub async fn add(&self, note: Value) -> NoteOutcome {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Queued { note, reply }).is_err() {
            // The sender is gone: the server is stopping. Nothing was sent.
            return stopping();
        }
        answer.await.unwrap_or_else(|_| stopping())
    }
}

fn stopping() -> NoteOutcome {
    NoteOutcome::Refused(KustomerError::Ambiguous {
        method: "POST".into(),
        path: "/v1/notes".into(),
        detail: "the server is stopping".into(),
    })
}

/// Sends the queued notes for the server's life: one request at a time, each with what has gathered.
pub async fn run(state: AppState, mut queue: NoteQueue) {
    while let Some(first) = queue.0.recv().await {
        let mut batch = vec![first];
        while batch.len() < BULK_MAX {
            match queue.0.try_recv() {
                Ok(q) => batch.push(q),
                Err(_) => break,
            }
        }
        let k = &state.0.records.kustomer;
        if batch.len() == 1 {
            for q in batch {
                let outcome = single(k, &q.note).await;
                let _ = q.reply.send(outcome);
            }
            continue;
        }
        let outcomes = bulk(k, &batch).await;
        for (q, outcome) in batch.into_iter().zip(outcomes) {
            let _ = q.reply.send(outcome);
        }
    }
}

async fn single(k: &Kustomer, note: &Value) -> NoteOutcome {
    match k.create("/v1/notes", note).await {
        Ok(_) => NoteOutcome::Made,
        Err(KustomerError::Ambiguous { .. }) => NoteOutcome::NotRepeated,
        Err(e) => NoteOutcome::Refused(e),
    }
}

async fn bulk(k: &Kustomer, batch: &[Queued]) -> Vec<NoteOutcome> {
    let items: Vec<Value> = batch
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut note = q.note.clone();
            note["_clientRef"] = json!(i.to_string());
            note
        })
        .collect();
    match k.create("/v1/notes/bulk", &Value::Array(items)).await {
        Ok(answer) => (0..batch.len()).map(|i| item(&answer, i)).collect(),
        Err(KustomerError::Ambiguous { .. }) => {
            (0..batch.len()).map(|_| NoteOutcome::NotRepeated).collect()
        }
        Err(e) => (0..batch.len())
            .map(|_| NoteOutcome::Refused(copy(&e)))
            .collect(),
    }
}

/// The same refusal, for each note of a refused request.
fn copy(e: &KustomerError) -> KustomerError {
    match e {
        KustomerError::Refused {
            method,
            path,
            status,
            body,
        } => KustomerError::Refused {
            method: method.clone(),
            path: path.clone(),
            status: *status,
            body: body.clone(),
        },
        KustomerError::BadJson { path, detail } => KustomerError::BadJson {
            path: path.clone(),
            detail: detail.clone(),
        },
        KustomerError::Ambiguous {
            method,
            path,
            detail,
        } => KustomerError::Ambiguous {
            method: method.clone(),
            path: path.clone(),
            detail: detail.clone(),
        },
    }
}

/// The outcome of the `i`th note in a 2xx bulk answer.
fn item(answer: &Value, i: usize) -> NoteOutcome {
    let Some(entries) = answer.get("data").and_then(Value::as_array) else {
        return NoteOutcome::Made;
    };
    let by_ref = entries.iter().find(|e| {
        e.pointer("/meta/_clientRef").and_then(Value::as_str) == Some(i.to_string().as_str())
    });
    match by_ref.or_else(|| entries.get(i)) {
        Some(e) if e.get("errors").is_some() => NoteOutcome::Refused(KustomerError::Refused {
            method: "POST".into(),
            path: "/v1/notes/bulk".into(),
            status: e
                .pointer("/errors/0/status")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .unwrap_or(400),
            body: e["errors"].to_string(),
        }),
        _ => NoteOutcome::Made,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_answer_is_read_per_note_by_its_ref_then_its_place() {
        let answer = json!({ "data": [
            { "errors": [{ "status": "400", "detail": "no conversation" }], "meta": { "_clientRef": "1" } },
            { "id": "n0", "meta": { "_clientRef": "0" } },
        ]});
        assert!(matches!(item(&answer, 0), NoteOutcome::Made));
        assert!(matches!(
            item(&answer, 1),
            NoteOutcome::Refused(KustomerError::Refused { status: 400, .. })
        ));
        let unlabelled = json!({ "data": [{ "id": "n0" }, { "errors": [] }] });
        assert!(matches!(item(&unlabelled, 0), NoteOutcome::Made));
        assert!(matches!(item(&unlabelled, 1), NoteOutcome::Refused(_)));
        assert!(matches!(item(&json!(null), 3), NoteOutcome::Made));
    }
}
