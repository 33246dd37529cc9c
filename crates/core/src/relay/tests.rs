//! The relay on a fake clock against a fake CCAI that honours idempotency keys.

use std::collections::HashSet;

use proptest::prelude::*;

use super::*;
use crate::ownership::TabId;

const A: CcaiStatusId = CcaiStatusId::AVAILABLE;
const B: CcaiStatusId = CcaiStatusId::BREAK;
const C: CcaiStatusId = CcaiStatusId::MEAL;

fn epoch(term: u64) -> Epoch {
    Epoch {
        term,
        tab: TabId("t1".into()),
    }
}

fn relay() -> Relay {
    Relay::new("agent11", Backoff::new(500, 30_000), 42)
}

/// A CCAI that applies each key at most once, as the sandbox does.
#[derive(Default)]
struct FakeCcai {
    status: Option<CcaiStatusId>,
    seen: HashSet<String>,
    /// Every effect, as (seq, status), in the order CCAI applied them.
    effects: Vec<(u64, CcaiStatusId)>,
    /// Keys whose success the relay has heard, and how often one was sent again after that (a relay
    /// bug the key would hide from `effects`).
    acked: HashSet<String>,
    sent_after_ack: usize,
}

impl FakeCcai {
    fn apply(&mut self, send: &Transmit) {
        if self.seen.insert(send.key.clone()) {
            self.status = Some(send.status);
            self.effects.push((send.seq, send.status));
        }
    }
}

fn ok(s: CcaiStatusId) -> Outcome {
    Outcome::Ok { applied: s }
}

#[test]
fn key_is_agent_epoch_and_sequence() {
    let mut r = relay();
    assert_eq!(r.enqueue(A, &epoch(3), 0), "agent11:3.t1:1");
    assert_eq!(r.enqueue(B, &epoch(3), 0), "agent11:3.t1:2");
}

#[test]
fn one_in_flight_and_order_preserved() {
    let mut r = relay();
    r.enqueue(A, &epoch(1), 0);
    let a = r.poll_action(0).expect("A goes out");
    r.enqueue(B, &epoch(1), 1);
    assert_eq!(r.poll_action(1), None, "A is still in flight");
    assert_eq!(r.poll_timeout(), None);
    assert_eq!(
        r.on_result(&a.key, ok(A), 2),
        Some(RelayReport::Applied { status: A })
    );
    let b = r.poll_action(2).expect("then B");
    assert_eq!(b.status, B);
    assert!(b.seq > a.seq);
}

#[test]
fn newer_change_supersedes_queued_ones_but_never_the_one_in_flight() {
    let mut r = relay();
    r.enqueue(A, &epoch(1), 0);
    let a = r.poll_action(0).expect("A");
    r.enqueue(B, &epoch(1), 1);
    r.enqueue(C, &epoch(1), 2);
    let queued: Vec<CcaiStatusId> = r.queued().map(|q| q.status).collect();
    assert_eq!(queued, vec![A, C], "B superseded, A kept in flight");
    r.on_result(&a.key, ok(A), 3);
    assert_eq!(r.poll_action(3).map(|s| s.status), Some(C));
}

#[test]
fn ambiguous_failure_is_retried_with_the_same_key_and_has_one_effect() {
    let mut r = relay();
    let mut ccai = FakeCcai::default();
    r.enqueue(B, &epoch(1), 0);
    let first = r.poll_action(0).expect("sent");
    ccai.apply(&first); // applied, then the response is lost
    assert_eq!(r.on_result(&first.key, Outcome::Dropped, 10), None);
    assert!(matches!(
        r.sync_state(),
        SyncState::Retrying {
            reason: RetryReason::ConnectionDropped,
            ..
        }
    ));
    let at = r.poll_timeout().expect("a retry is scheduled");
    assert!(
        (260..=510).contains(&at),
        "first backoff is 250..=500 ms after 10: {at}"
    );
    assert_eq!(r.poll_action(at - 1), None);
    let again = r.poll_action(at).expect("retried");
    assert_eq!((again.key.as_str(), again.attempt), (first.key.as_str(), 2));
    ccai.apply(&again);
    r.on_result(&again.key, ok(B), at + 5);
    assert_eq!(ccai.effects, vec![(1, B)]);
    assert_eq!(r.sync_state(), SyncState::Live);
}

#[test]
fn rate_limit_honours_retry_after() {
    let mut r = relay();
    r.enqueue(A, &epoch(1), 0);
    let s = r.poll_action(0).expect("sent");
    r.on_result(
        &s.key,
        Outcome::RateLimited {
            retry_after_ms: Some(2_000),
        },
        100,
    );
    assert_eq!(r.poll_timeout(), Some(2_100));
    assert_eq!(
        r.sync_state(),
        SyncState::Retrying {
            next_attempt_at_ms: 2_100,
            reason: RetryReason::RateLimited
        }
    );
    assert_eq!(r.poll_action(2_099), None);
    assert_eq!(r.poll_action(2_100).map(|s| s.attempt), Some(2));
}

#[test]
fn server_errors_back_off_exponentially_up_to_the_cap() {
    let mut r = Relay::new("a", Backoff::new(1_000, 8_000), 9);
    r.enqueue(A, &epoch(1), 0);
    let mut now = 0;
    let mut waits = Vec::new();
    for _ in 0..6 {
        let s = r.poll_action(now).expect("sent");
        r.on_result(&s.key, Outcome::ServerError { code: 503 }, now);
        let next = r.poll_timeout().expect("scheduled");
        waits.push(next - now);
        now = next;
    }
    for (w, max) in waits.iter().zip([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]) {
        assert!(
            *w >= max / 2 && *w <= max,
            "wait {w} outside [{}, {max}]",
            max / 2
        );
    }
}

#[test]
fn unauthorized_pauses_without_losing_anything_until_sign_in() {
    let mut r = relay();
    r.enqueue(A, &epoch(1), 0);
    let s = r.poll_action(0).expect("sent");
    assert_eq!(
        r.on_result(&s.key, Outcome::Unauthorized, 5),
        Some(RelayReport::SignInRequired)
    );
    assert_eq!(
        r.sync_state(),
        SyncState::Paused {
            reason: PauseReason::SignInRequired
        }
    );
    assert_eq!(r.poll_action(1_000_000), None);
    assert_eq!(r.poll_timeout(), None);
    r.resume_after_sign_in(2_000);
    assert_eq!(r.sync_state(), SyncState::Live);
    let again = r.poll_action(2_000).expect("resent after sign-in");
    assert_eq!(again.key, s.key);
}

#[test]
fn permanent_client_error_drops_only_that_change_and_is_shown() {
    let mut r = relay();
    r.enqueue(A, &epoch(1), 0);
    let s = r.poll_action(0).expect("sent");
    r.enqueue(B, &epoch(1), 1);
    let report = r.on_result(
        &s.key,
        Outcome::PermanentClientError {
            code: 422,
            reason: "unknown status".into(),
        },
        2,
    );
    assert_eq!(
        report,
        Some(RelayReport::Dropped {
            status: A,
            code: 422,
            reason: "unknown status".into()
        })
    );
    assert_eq!(
        r.sync_state(),
        SyncState::Failed {
            status: A,
            reason: "unknown status".into()
        }
    );
    let b = r.poll_action(2).expect("B is not blocked");
    r.on_result(&b.key, ok(B), 3);
    assert_eq!(r.sync_state(), SyncState::Live);
}

#[test]
fn refusal_is_reported_and_not_retried() {
    let mut r = relay();
    r.enqueue(B, &epoch(1), 0);
    let s = r.poll_action(0).expect("sent");
    let msg = "Agent can't be changed from system status 'In-call'";
    assert_eq!(
        r.on_result(
            &s.key,
            Outcome::Refused {
                message: msg.into()
            },
            1
        ),
        Some(RelayReport::Refused {
            status: B,
            message: msg.into()
        })
    );
    assert!(r.is_idle());
}

#[test]
fn late_or_unknown_results_are_ignored() {
    let mut r = relay();
    r.enqueue(A, &epoch(1), 0);
    let s = r.poll_action(0).expect("sent");
    assert_eq!(r.on_result("someone-else", ok(B), 1), None);
    r.on_result(&s.key, ok(A), 2);
    assert_eq!(r.on_result(&s.key, ok(A), 3), None, "answered twice");
}

#[test]
fn restore_mid_flight_resends_the_same_key() {
    let mut r = relay();
    let mut ccai = FakeCcai::default();
    r.enqueue(A, &epoch(1), 0);
    let s = r.poll_action(0).expect("sent");
    ccai.apply(&s);
    let json = serde_json::to_string(&r.snapshot()).expect("serialises");
    // The tab crashes before the answer; another tab restores the stored queue.
    let mut r2 = Relay::restore(serde_json::from_str(&json).expect("parses"));
    let again = r2.poll_action(10).expect("re-sent");
    assert_eq!(again.key, s.key);
    ccai.apply(&again);
    r2.on_result(&again.key, ok(A), 11);
    assert_eq!(ccai.effects.len(), 1);
    assert_eq!(
        r2.enqueue(B, &epoch(2), 12),
        "agent11:2.t1:2",
        "sequence continues"
    );
}

#[test]
fn abandoned_in_flight_change_is_sent_again_by_the_next_poll() {
    let mut r = relay();
    r.enqueue(A, &epoch(1), 0);
    let s = r.poll_action(0).expect("sent");
    r.abandon_in_flight();
    assert_eq!(
        r.on_result(&s.key, ok(A), 1),
        None,
        "the old answer no longer counts"
    );
    assert_eq!(r.poll_action(2).map(|x| x.key), Some(s.key));
}

// ---- soak ----

#[derive(Debug, Clone)]
enum Fault {
    None,
    /// CCAI applied the change, then the connection dropped: the ambiguous case.
    AppliedThenDropped,
    DroppedBeforeApply,
    Server(u16),
    RateLimited(Option<u64>),
    Unauthorized,
    /// The owner tab crashes mid-flight (after CCAI may have applied it) and the queue is restored.
    CrashAfterApply(bool),
    Latency(u64),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        6 => Just(Fault::None),
        2 => Just(Fault::AppliedThenDropped),
        1 => Just(Fault::DroppedBeforeApply),
        1 => prop_oneof![Just(500u16), Just(503)].prop_map(Fault::Server),
        1 => prop::option::of(0u64..5_000).prop_map(Fault::RateLimited),
        1 => Just(Fault::Unauthorized),
        1 => any::<bool>().prop_map(Fault::CrashAfterApply),
        1 => (0u64..3_000).prop_map(Fault::Latency),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    /// The agent wants this status (index into `STATUSES`).
    Agent(usize),
    /// Time passes.
    Wait(u64),
}

const STATUSES: [CcaiStatusId; 4] = [A, B, C, CcaiStatusId::UNAVAILABLE];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..STATUSES.len()).prop_map(Step::Agent),
        3 => (0u64..4_000).prop_map(Step::Wait),
    ]
}

/// Drives the relay until `until_ms`, answering each send with the next fault.
fn drive(
    r: &mut Relay,
    ccai: &mut FakeCcai,
    faults: &mut impl Iterator<Item = Fault>,
    now: &mut u64,
    until_ms: u64,
) {
    loop {
        if r.sync_state()
            == (SyncState::Paused {
                reason: PauseReason::SignInRequired,
            })
        {
            r.resume_after_sign_in(*now); // the agent signs in again
        }
        if let Some(send) = r.poll_action(*now) {
            if ccai.acked.contains(&send.key) {
                ccai.sent_after_ack += 1;
            }
            match faults.next().unwrap_or(Fault::None) {
                Fault::None => {
                    ccai.apply(&send);
                    ccai.acked.insert(send.key.clone());
                    r.on_result(&send.key, ok(send.status), *now);
                }
                Fault::Latency(ms) => {
                    *now += ms;
                    ccai.apply(&send);
                    ccai.acked.insert(send.key.clone());
                    r.on_result(&send.key, ok(send.status), *now);
                }
                Fault::AppliedThenDropped => {
                    ccai.apply(&send);
                    r.on_result(&send.key, Outcome::Dropped, *now);
                }
                Fault::DroppedBeforeApply => {
                    r.on_result(&send.key, Outcome::Dropped, *now);
                }
                Fault::Server(code) => {
                    r.on_result(&send.key, Outcome::ServerError { code }, *now);
                }
                Fault::RateLimited(retry_after_ms) => {
                    r.on_result(&send.key, Outcome::RateLimited { retry_after_ms }, *now);
                }
                Fault::Unauthorized => {
                    r.on_result(&send.key, Outcome::Unauthorized, *now);
                }
                Fault::CrashAfterApply(applied) => {
                    if applied {
                        ccai.apply(&send);
                    }
                    let json = serde_json::to_string(&r.snapshot()).expect("serialises");
                    *r = Relay::restore(serde_json::from_str(&json).expect("parses"));
                }
            }
            continue;
        }
        match r.poll_timeout() {
            Some(at) if at <= until_ms => *now = (*now).max(at),
            _ => break,
        }
    }
    *now = (*now).max(until_ms);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random faults of every kind: at the end CCAI shows the agent's last status, CCAI's effects are
    /// an in-order subsequence of the agent's changes ending with the last one, and no key took effect
    /// twice.
    #[test]
    fn soak_final_status_right_in_order_no_duplicates(
        steps in prop::collection::vec(step(), 1..80),
        faults in prop::collection::vec(fault(), 0..200),
    ) {
        let mut r = relay();
        let mut ccai = FakeCcai::default();
        let mut faults = faults.into_iter();
        let mut now = 0u64;
        let mut wanted: Vec<(u64, CcaiStatusId)> = Vec::new();
        for s in &steps {
            match *s {
                Step::Agent(i) => {
                    r.enqueue(STATUSES[i], &epoch(1), now);
                    let seq = r.queued().last().map(|q| q.seq).unwrap_or_default();
                    wanted.push((seq, STATUSES[i]));
                }
                Step::Wait(ms) => {
                    let until = now + ms;
                    drive(&mut r, &mut ccai, &mut faults, &mut now, until);
                }
            }
        }
        // Faults stop; the queue drains.
        let mut quiet = std::iter::empty();
        drive(&mut r, &mut ccai, &mut quiet, &mut now, u64::MAX / 2);
        prop_assert!(r.is_idle());
        prop_assert_eq!(ccai.sent_after_ack, 0, "a confirmed change was sent again");
        let Some(&(last_seq, last_status)) = wanted.last() else { return Ok(()) };
        prop_assert_eq!(ccai.status, Some(last_status), "final status right");
        prop_assert_eq!(ccai.effects.last().map(|e| e.0), Some(last_seq), "the last change is applied last");
        let seqs: Vec<u64> = ccai.effects.iter().map(|e| e.0).collect();
        prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]), "reordered or duplicated: {:?}", seqs);
        for (seq, status) in &ccai.effects {
            prop_assert!(wanted.contains(&(*seq, *status)), "an effect the agent never asked for");
        }
    }
}
