//! One table test per rule of the reconciler, then the two properties: no loop, no lost latest change.

use super::*;
use crate::mapping::MappingEntry;
use crate::status::{CcaiCatalog, KustomerCatalog, KustomerStatus, StatusType};
use proptest::prelude::*;

const A: CcaiStatusId = CcaiStatusId::AVAILABLE;
const B: CcaiStatusId = CcaiStatusId::BREAK;
const D: CcaiStatusId = CcaiStatusId::MEAL;
const UNAV: CcaiStatusId = CcaiStatusId::UNAVAILABLE;
const IN_CALL: CcaiStatusId = CcaiStatusId::IN_CALL;
const WRAP: CcaiStatusId = CcaiStatusId::WRAP_UP;

fn k(id: &str) -> KustomerStatusId {
    KustomerStatusId::new(id)
}

/// The seed's example: K1→A, K2→A, K3→B, K4→D; K5 is left unmapped.
fn seed() -> Mapping {
    let kcat: KustomerCatalog = ["K1", "K2", "K3", "K4", "K5"]
        .into_iter()
        .map(|id| KustomerStatus {
            id: k(id),
            name: id.into(),
            status_type: StatusType::Available,
            system: false,
        })
        .collect();
    let rows = [
        MappingEntry::new("K1", A),
        MappingEntry::new("K2", A),
        MappingEntry::new("K3", B),
        MappingEntry::new("K4", D),
    ];
    Mapping::validate(&rows, &kcat, &CcaiCatalog::builtins()).expect("seed is valid")
}

fn rec(direction: Direction, priority: Priority) -> Reconciler {
    Reconciler::new(
        SyncConfig {
            direction,
            priority,
        },
        seed(),
    )
}

fn sign_in(kustomer: &str, ccai: CcaiStatusId) -> SyncEvent {
    SyncEvent::SignedIn {
        kustomer: k(kustomer),
        ccai,
        kustomer_email: "agent@example.com".into(),
        ccai_email: "agent@example.com".into(),
        at_ms: 0,
        ccai_picked_at_ms: None,
    }
}

fn kc(status: &str, at_ms: u64) -> SyncEvent {
    SyncEvent::KustomerChanged {
        status: k(status),
        at_ms,
    }
}

fn cc(status: CcaiStatusId, at_ms: u64, by_system: bool) -> SyncEvent {
    SyncEvent::CcaiChanged {
        status,
        at_ms,
        by_system,
    }
}

fn set_ccai(status: CcaiStatusId) -> Decision {
    Decision::SetCcai { status }
}

fn set_kustomer(status: &str) -> Decision {
    Decision::SetKustomer { status: k(status) }
}

/// Runs `events` in order and returns the decisions of the last one.
fn run(r: &mut Reconciler, events: Vec<SyncEvent>) -> Vec<Decision> {
    let mut last = Vec::new();
    for e in events {
        last = r.handle(e);
    }
    last
}

use Direction::{Bidirectional as Bi, OneWay};
use Priority::{CrmOverridesNext as Crm, LatestChangeWins as Latest};

#[test]
fn sign_in_applies_current_kustomer_status_at_once() {
    for (dir, prio) in [(OneWay, Latest), (Bi, Crm)] {
        let mut r = rec(dir, prio);
        assert_eq!(r.handle(sign_in("K3", A)), vec![set_ccai(B)]);
    }
}

#[test]
fn kustomer_change_becomes_mapped_ccai_status() {
    let mut r = rec(OneWay, Latest);
    assert_eq!(
        run(&mut r, vec![sign_in("K1", A), kc("K4", 10)]),
        vec![set_ccai(D)]
    );
}

#[test]
fn kustomer_change_to_same_ccai_target_sends_nothing() {
    let mut r = rec(OneWay, Latest);
    assert_eq!(run(&mut r, vec![sign_in("K1", A), kc("K2", 10)]), vec![]);
}

#[test]
fn unmapped_kustomer_status_is_reported_and_not_relayed() {
    let mut r = rec(OneWay, Latest);
    assert_eq!(
        run(&mut r, vec![sign_in("K1", A), kc("K5", 10)]),
        vec![Decision::Report {
            notice: Notice::UnmappedKustomerStatus { status: k("K5") }
        }]
    );
}

#[test]
fn no_echo_of_our_own_ccai_change() {
    for dir in [OneWay, Bi] {
        let mut r = rec(dir, Latest);
        run(&mut r, vec![sign_in("K1", A), kc("K3", 10)]);
        assert_eq!(r.handle(cc(B, 11, false)), vec![], "{dir:?}");
    }
}

#[test]
fn no_echo_of_our_own_kustomer_change() {
    let mut r = rec(Bi, Latest);
    assert_eq!(
        run(&mut r, vec![sign_in("K1", A), cc(D, 10, false)]),
        vec![set_kustomer("K4")]
    );
    assert_eq!(r.handle(kc("K4", 11)), vec![]);
}

#[test]
fn never_fight_a_system_status() {
    let mut r = rec(OneWay, Latest);
    let out = run(
        &mut r,
        vec![sign_in("K1", A), cc(IN_CALL, 5, true), kc("K3", 10)],
    );
    assert_eq!(
        out,
        vec![Decision::Deferred {
            ccai: B,
            reason: DeferReason::SystemStatus { current: IN_CALL }
        }]
    );
    assert_eq!(
        r.handle(cc(WRAP, 20, true)),
        vec![],
        "still system: keep waiting"
    );
    assert_eq!(r.deferred(), Some(B));
}

#[test]
fn deferred_change_is_applied_when_system_status_ends_in_both_modes() {
    for prio in [Latest, Crm] {
        let mut r = rec(OneWay, prio);
        run(
            &mut r,
            vec![
                sign_in("K1", A),
                cc(IN_CALL, 5, true),
                kc("K3", 10),
                cc(WRAP, 20, true),
            ],
        );
        assert_eq!(r.handle(cc(A, 30, true)), vec![set_ccai(B)], "{prio:?}");
        assert_eq!(r.deferred(), None);
    }
}

#[test]
fn crm_overrides_next_replaces_ccai_automatic_next_status() {
    let mut r = rec(OneWay, Crm);
    run(
        &mut r,
        vec![
            sign_in("K4", A),
            cc(D, 1, false),
            cc(IN_CALL, 5, true),
            cc(WRAP, 20, true),
        ],
    );
    assert_eq!(r.handle(cc(A, 30, true)), vec![set_ccai(D)]);
}

#[test]
fn crm_overrides_next_does_nothing_when_next_status_already_matches() {
    let mut r = rec(Bi, Crm);
    run(
        &mut r,
        vec![sign_in("K1", A), cc(IN_CALL, 5, true), cc(WRAP, 20, true)],
    );
    assert_eq!(r.handle(cc(A, 30, true)), vec![]);
}

#[test]
fn latest_change_wins_keeps_ccai_automatic_next_status() {
    let mut r = rec(OneWay, Latest);
    run(
        &mut r,
        vec![sign_in("K4", D), cc(IN_CALL, 5, true), cc(WRAP, 20, true)],
    );
    assert_eq!(r.handle(cc(A, 30, true)), vec![]);
}

#[test]
fn latest_change_wins_reflects_automatic_next_status_bidirectionally() {
    let mut r = rec(Bi, Latest);
    run(
        &mut r,
        vec![sign_in("K4", D), cc(IN_CALL, 5, true), cc(WRAP, 20, true)],
    );
    assert_eq!(r.handle(cc(A, 30, true)), vec![set_kustomer("K1")]);
}

#[test]
fn latest_change_wins_an_older_ccai_event_loses_to_a_later_kustomer_change() {
    let mut r = rec(Bi, Latest);
    run(
        &mut r,
        vec![sign_in("K1", A), kc("K3", 50), cc(B, 51, false)],
    );
    // CCAI reports a manual change made at 40, before the agent's Kustomer change at 50.
    assert_eq!(r.handle(cc(D, 40, false)), vec![set_ccai(B)]);
}

#[test]
fn manual_ccai_change_stands_in_one_way_mode() {
    for prio in [Latest, Crm] {
        let mut r = rec(OneWay, prio);
        assert_eq!(
            run(&mut r, vec![sign_in("K1", A), cc(D, 10, false)]),
            vec![]
        );
    }
}

#[test]
fn manual_ccai_change_is_reflected_bidirectionally() {
    let mut r = rec(Bi, Crm);
    assert_eq!(
        run(&mut r, vec![sign_in("K1", A), cc(B, 10, false)]),
        vec![set_kustomer("K3")]
    );
}

#[test]
fn reverse_never_moves_agent_between_statuses_mapped_to_the_same_ccai_status() {
    let mut r = rec(Bi, Latest);
    // K2 maps to A; CCAI going to A must not move the agent to K1.
    assert_eq!(
        run(&mut r, vec![sign_in("K2", A), cc(B, 5, false), kc("K3", 6)]),
        vec![]
    );
    run(&mut r, vec![kc("K2", 10), cc(A, 11, false)]);
    assert_eq!(r.handle(cc(A, 20, false)), vec![]);
    assert_eq!(r.kustomer_status(), Some(&k("K2")));
}

#[test]
fn unmapped_ccai_status_is_reported_bidirectionally() {
    let mut r = rec(Bi, Latest);
    assert_eq!(
        run(&mut r, vec![sign_in("K1", A), cc(UNAV, 10, false)]),
        vec![Decision::Report {
            notice: Notice::UnmappedCcaiStatus { status: UNAV }
        }]
    );
}

#[test]
fn refused_change_is_deferred_with_ccai_words_and_applied_later() {
    let mut r = rec(OneWay, Latest);
    run(&mut r, vec![sign_in("K1", A), kc("K3", 10)]);
    let msg = "Agent can't be changed from system status 'In-call'";
    let out = r.handle(SyncEvent::CcaiRefused {
        requested: B,
        message: msg.into(),
        at_ms: 11,
    });
    assert_eq!(
        out,
        vec![Decision::Deferred {
            ccai: B,
            reason: DeferReason::Refused {
                message: msg.into()
            }
        }]
    );
    run(&mut r, vec![cc(IN_CALL, 12, true), cc(WRAP, 20, true)]);
    assert_eq!(r.handle(cc(A, 30, true)), vec![set_ccai(B)]);
}

#[test]
fn refusal_of_an_older_target_is_ignored() {
    let mut r = rec(OneWay, Latest);
    run(&mut r, vec![sign_in("K1", A), kc("K3", 10), kc("K4", 11)]);
    let out = r.handle(SyncEvent::CcaiRefused {
        requested: B,
        message: "no".into(),
        at_ms: 12,
    });
    assert_eq!(out, vec![]);
    assert_eq!(r.deferred(), None);
}

#[test]
fn manual_exit_from_system_status_drops_the_deferred_change() {
    let mut r = rec(OneWay, Latest);
    run(
        &mut r,
        vec![sign_in("K1", A), cc(WRAP, 5, true), kc("K3", 10)],
    );
    assert_eq!(
        r.handle(cc(D, 20, false)),
        vec![Decision::Report {
            notice: Notice::DeferredDropped { ccai: B, chosen: D }
        }]
    );
}

#[test]
fn unmapped_change_cancels_a_deferred_one() {
    let mut r = rec(OneWay, Latest);
    run(
        &mut r,
        vec![
            sign_in("K1", A),
            cc(IN_CALL, 5, true),
            kc("K3", 10),
            kc("K5", 11),
        ],
    );
    assert_eq!(r.deferred(), None);
    assert_eq!(r.handle(cc(A, 30, true)), vec![]);
}

#[test]
fn sign_in_during_a_call_defers_the_kustomer_status() {
    let mut r = rec(OneWay, Latest);
    assert_eq!(
        r.handle(sign_in("K3", IN_CALL)),
        vec![Decision::Deferred {
            ccai: B,
            reason: DeferReason::SystemStatus { current: IN_CALL }
        }]
    );
}

#[test]
fn email_mismatch_halts_sync_until_a_matching_sign_in() {
    let mut r = rec(Bi, Latest);
    let out = r.handle(SyncEvent::SignedIn {
        kustomer: k("K3"),
        ccai: A,
        kustomer_email: "ana@example.com".into(),
        ccai_email: "bob@example.com".into(),
        at_ms: 0,
        ccai_picked_at_ms: None,
    });
    assert_eq!(
        out,
        vec![Decision::Report {
            notice: Notice::EmailMismatch {
                kustomer: "ana@example.com".into(),
                ccai: "bob@example.com".into()
            }
        }]
    );
    assert!(r.is_halted());
    assert_eq!(r.handle(kc("K4", 5)), vec![]);
    assert_eq!(r.handle(cc(B, 6, false)), vec![]);
    assert_eq!(r.handle(sign_in("K4", B)), vec![set_ccai(D)]);
}

#[test]
fn emails_compare_case_insensitively_and_trimmed() {
    assert!(emails_match(" Ana@Example.com ", "ana@example.COM"));
    assert!(!emails_match("ana@example.com", "ana@example.org"));
    assert!(!emails_match("", ""), "no e-mail is never a match");
}

#[test]
fn new_mapping_reapplies_current_kustomer_status() {
    let mut r = rec(OneWay, Latest);
    run(&mut r, vec![sign_in("K5", A)]);
    let kcat: KustomerCatalog = [KustomerStatus {
        id: k("K5"),
        name: "K5".into(),
        status_type: StatusType::Unavailable,
        system: false,
    }]
    .into_iter()
    .collect();
    let m = Mapping::validate(
        &[MappingEntry::new("K5", D)],
        &kcat,
        &CcaiCatalog::builtins(),
    )
    .expect("valid");
    assert_eq!(r.set_mapping(m), vec![set_ccai(D)]);
}

// ---- properties ----

/// What the outside world does, in a small simulation of both sides.
#[derive(Debug, Clone)]
enum Op {
    /// The agent picks a Kustomer status (index into K1..K5; K5 is unmapped).
    Kustomer(usize),
    /// The agent picks a CCAI status by hand (only in bidirectional runs).
    CcaiManual(usize),
    /// A call starts; `tell` says whether the extension hears of it before the next request.
    CallStarts { tell: bool },
    /// The call ends into Wrap-up.
    CallEnds,
    /// Wrap-up ends and CCAI moves the agent to a non-system status by itself.
    WrapUpEnds(usize),
}

const KS: [&str; 5] = ["K1", "K2", "K3", "K4", "K5"];
const CS: [CcaiStatusId; 4] = [A, B, D, UNAV];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..KS.len()).prop_map(Op::Kustomer),
        1 => (0..CS.len()).prop_map(Op::CcaiManual),
        1 => any::<bool>().prop_map(|tell| Op::CallStarts { tell }),
        1 => Just(Op::CallEnds),
        1 => (0..CS.len()).prop_map(Op::WrapUpEnds),
    ]
}

/// Both sides as the world sees them, and the reconciler between them. Every decision is carried out
/// at once and fed back as the other side's event, as the extension would.
struct World {
    r: Reconciler,
    kustomer: KustomerStatusId,
    ccai: CcaiStatusId,
    now: u64,
    /// Decisions made while settling the last op, to detect a loop.
    rounds: usize,
}

impl World {
    fn new(config: SyncConfig) -> Self {
        let mut w = World {
            r: Reconciler::new(config, seed()),
            kustomer: k("K1"),
            ccai: A,
            now: 0,
            rounds: 0,
        };
        let out = w.r.handle(sign_in("K1", A));
        w.settle(out);
        w
    }

    fn tick(&mut self) -> u64 {
        self.now += 1;
        self.now
    }

    /// Carries out decisions and feeds their consequences back until nothing more happens.
    fn settle(&mut self, mut pending: Vec<Decision>) {
        self.rounds = 0;
        while !pending.is_empty() {
            self.rounds += 1;
            assert!(
                self.rounds < 10,
                "no fixed point: decisions keep coming: {pending:?}"
            );
            let mut next = Vec::new();
            for d in pending {
                let at_ms = self.tick();
                match d {
                    Decision::SetCcai { status } if self.ccai.is_system() => {
                        next.extend(self.r.handle(SyncEvent::CcaiRefused {
                            requested: status,
                            message: "Agent can't be changed from system status".into(),
                            at_ms,
                        }));
                    }
                    Decision::SetCcai { status } => {
                        self.ccai = status;
                        next.extend(self.r.handle(cc(status, at_ms, false)));
                    }
                    Decision::SetKustomer { status } => {
                        self.kustomer = status.clone();
                        next.extend(self.r.handle(SyncEvent::KustomerChanged { status, at_ms }));
                    }
                    Decision::Deferred { .. } | Decision::Report { .. } => {}
                }
            }
            pending = next;
        }
    }

    fn apply(&mut self, op: &Op) {
        let at_ms = self.tick();
        let out = match *op {
            Op::Kustomer(i) => {
                self.kustomer = k(KS[i]);
                self.r.handle(kc(KS[i], at_ms))
            }
            Op::CcaiManual(i) if !self.ccai.is_system() => {
                self.ccai = CS[i];
                self.r.handle(cc(CS[i], at_ms, false))
            }
            Op::CallStarts { tell } if !self.ccai.is_system() => {
                self.ccai = IN_CALL;
                if tell {
                    self.r.handle(cc(IN_CALL, at_ms, true))
                } else {
                    Vec::new()
                }
            }
            Op::CallEnds if self.ccai == IN_CALL => {
                self.ccai = WRAP;
                self.r.handle(cc(WRAP, at_ms, true))
            }
            Op::WrapUpEnds(i) if self.ccai.is_system() => {
                self.ccai = CS[i];
                self.r.handle(cc(CS[i], at_ms, true))
            }
            _ => Vec::new(),
        };
        self.settle(out);
    }

    /// Ends any call in progress, as the end of a test run.
    fn finish_calls(&mut self, next: usize) {
        if self.ccai == IN_CALL {
            self.apply(&Op::CallEnds);
        }
        if self.ccai.is_system() {
            self.apply(&Op::WrapUpEnds(next));
        }
    }
}

fn config() -> impl Strategy<Value = SyncConfig> {
    (
        prop_oneof![Just(OneWay), Just(Bi)],
        prop_oneof![Just(Latest), Just(Crm)],
    )
        .prop_map(|(direction, priority)| SyncConfig {
            direction,
            priority,
        })
}

proptest! {
    /// Feeding every decision back as the other side's event always reaches a fixed point: no loop.
    #[test]
    fn no_loop(config in config(), ops in prop::collection::vec(op(), 0..60), end in 0..CS.len()) {
        let mut w = World::new(config);
        for o in &ops {
            w.apply(o);
        }
        w.finish_calls(end);
        // `settle` asserts the fixed point; at rest, a repeated observation of either side changes nothing.
        let at = w.tick();
        prop_assert_eq!(w.r.handle(cc(w.ccai, at, false)), vec![]);
        if !matches!(w.r.mapping.lookup(&w.kustomer), MapResult::Unmapped) {
            let at = w.tick();
            prop_assert_eq!(w.r.handle(SyncEvent::KustomerChanged { status: w.kustomer.clone(), at_ms: at }), vec![]);
        }
    }

    /// One-way, with no manual CCAI changes: once no system status is active, CCAI is at the mapping of
    /// the agent's last Kustomer status, unless (latest change wins) CCAI moved by itself after it.
    #[test]
    fn latest_kustomer_change_is_never_lost(
        priority in prop_oneof![Just(Latest), Just(Crm)],
        ops in prop::collection::vec(op(), 1..60),
        end in 0..CS.len(),
    ) {
        let mut w = World::new(SyncConfig { direction: OneWay, priority });
        let mut last_k_at = 0;
        let mut last_call_at = 0;
        for o in ops.iter().filter(|o| !matches!(o, Op::CcaiManual(_))) {
            // Only a change of the mapped target is a new intent for CCAI (K1→K2 both mean A).
            if let Op::Kustomer(i) = o {
                if w.r.mapping.lookup(&k(KS[*i])) != w.r.mapping.lookup(&w.kustomer) {
                    last_k_at = w.now + 1;
                }
            }
            if matches!(o, Op::CallStarts { .. }) && !w.ccai.is_system() {
                last_call_at = w.now + 1;
            }
            w.apply(o);
        }
        w.finish_calls(end);
        if let MapResult::Mapped(want) = w.r.mapping.lookup(&w.kustomer) {
            if priority == Crm || last_k_at > last_call_at {
                prop_assert_eq!(w.ccai, want);
            }
        }
    }
}

#[test]
fn a_pick_made_before_the_page_reported_is_kept_at_sign_in_and_reflected_both_ways() {
    let picked = |r: &mut Reconciler| {
        r.handle(SyncEvent::SignedIn {
            kustomer: k("K1"),
            ccai: B,
            kustomer_email: "agent@example.com".into(),
            ccai_email: "agent@example.com".into(),
            at_ms: 10,
            ccai_picked_at_ms: Some(5),
        })
    };
    // One way: CCAI keeps the agent's pick; nothing is written.
    let mut r = rec(OneWay, Latest);
    assert_eq!(picked(&mut r), vec![]);
    assert_eq!(r.ccai_status(), Some(B));
    // Both ways: Kustomer follows the pick.
    let mut r = rec(Bi, Latest);
    let out = picked(&mut r);
    assert!(
        out.iter()
            .any(|d| matches!(d, Decision::SetKustomer { .. })),
        "{out:?}"
    );
    // A later Kustomer change is applied as usual.
    let mut r = rec(OneWay, Latest);
    picked(&mut r);
    assert!(!r.handle(kc("K4", 20)).is_empty());
}
