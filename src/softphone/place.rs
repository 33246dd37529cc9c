//! The dialer's Call (C2, C3): only a number the core accepts goes out, as CCAI's documented outbound
//! call placed by the company server as the signed-in agent (`POST /api/v1/calls`, A13). It is sent
//! once: CCAI documents no idempotency (A7), so a failure is said, never retried by itself.

use ccai_core::server_api::{CallOutcome, CallRequest};

use super::{now, CallState};
use crate::chrome::i18n::{t, t1};
use crate::company::{Client, CompanyError};

/// The agent pressed Call.
pub fn place(calls: CallState) {
    let text = calls.dial.get();
    wasm_bindgen_futures::spawn_local(async move {
        let dialable = match super::phones::normalise(calls, text.clone()).await {
            Some(Ok(d)) => d,
            _ => {
                let shown: String = text.chars().take(ccai_core::phone::MAX_TEXT).collect();
                calls.message.set(Some(t1("phoneNotDialable", &shown)));
                return;
            }
        };
        let started = calls.with_board(|b| {
            b.handle_placing(
                dialable.number.clone(),
                dialable.extension.clone(),
                now() as u64,
            )
        });
        if started != Some(true) {
            return;
        }
        calls.message.set(None);
        calls.note.set(None);
        // The number as found: the server normalises it again with the company's countries (C2).
        let request = CallRequest {
            number: dialable.e164.clone(),
        };
        let answer = match Client::connect().await {
            Ok(client) => {
                client
                    .post::<_, CallOutcome>("/api/v1/calls", &request)
                    .await
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok(CallOutcome::Started { .. }) => {}
            Ok(CallOutcome::FinishInWidget { e164 }) => {
                calls.with_board(|b| b.handle_place_failed());
                calls.note.set(Some(t1("callFinishInCcai", &e164)));
            }
            Err(e) => {
                calls.with_board(|b| b.handle_place_failed());
                calls.message.set(Some(failure(&e)));
            }
        }
    });
}

/// Why the call did not start, in the agent's words.
fn failure(e: &CompanyError) -> String {
    match e {
        CompanyError::NoServer
        | CompanyError::SignedOut
        | CompanyError::SignIn(_)
        | CompanyError::SignInRefused(_) => t("callSignedOut"),
        CompanyError::Unreachable => t("callServerUnreachable"),
        // CCAI's own reason (A13's messages) or the server's, verbatim as text.
        CompanyError::Status { message, .. } => t1("callFailed", message),
        CompanyError::BadBody => t1("callFailed", &t("callUnclear")),
    }
}
