use std::collections::{BTreeMap, VecDeque};

use proptest::prelude::*;

use super::*;

fn change(id: ChangeId, agent: AgentId, target: &str, at_ms: u64) -> StatusChange {
    StatusChange {
        id,
        agent,
        target: target.to_owned(),
        at_ms,
    }
}

fn applied(agents: &[AgentId], status: &str) -> BatchAnswer {
    BatchAnswer::Applied(
        agents
            .iter()
            .map(|a| AgentResult {
                agent_id: *a,
                current_status: status.to_owned(),
            })
            .collect(),
    )
}

fn events(s: &mut Scheduler) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn cfg(rate: u32) -> Config {
    Config {
        rate_per_s: rate,
        margin_ms: 0,
        spread: false,
        ..Config::default()
    }
}

#[test]
fn changes_to_one_status_go_in_one_bulk_request() {
    let mut s = Scheduler::new(cfg(1), 1);
    s.set_status(change(1, 11, "Available", 0));
    s.set_status(change(2, 12, "Available", 1));
    s.set_status(change(3, 13, "Break", 2));
    let Some(Action::SetStatus {
        batch,
        status,
        agent_ids,
        attempt,
        ..
    }) = s.poll_action(10)
    else {
        panic!("expected a batch");
    };
    assert_eq!(
        (status.as_str(), agent_ids.clone(), attempt),
        ("Available", vec![11, 12], 1)
    );
    assert_eq!(s.poll_action(10), None, "one token per second");
    assert_eq!(s.poll_timeout(10), Some(1_010));
    s.handle_batch(batch, applied(&agent_ids, "Available"), 20);
    assert_eq!(
        events(&mut s),
        vec![
            Event::Applied {
                change: 1,
                agent: 11,
                status: "Available".into()
            },
            Event::Applied {
                change: 2,
                agent: 12,
                status: "Available".into()
            },
        ]
    );
    // The window counts from the answer (at 20), not from the send.
    assert_eq!(s.poll_action(1_010), None);
    let Some(Action::SetStatus {
        status, agent_ids, ..
    }) = s.poll_action(1_020)
    else {
        panic!("expected the Break batch");
    };
    assert_eq!((status.as_str(), agent_ids), ("Break", vec![13]));
}

#[test]
fn a_waiting_change_is_superseded_but_one_in_flight_is_not() {
    let mut s = Scheduler::new(cfg(10), 1);
    s.set_status(change(1, 11, "Break", 0));
    let Some(Action::SetStatus { batch, .. }) = s.poll_action(0) else {
        panic!("expected a batch");
    };
    s.set_status(change(2, 11, "Meal", 1));
    s.set_status(change(3, 11, "Available", 2));
    assert_eq!(events(&mut s), vec![Event::Superseded { change: 2, by: 3 }]);
    assert_eq!(
        s.poll_action(3),
        None,
        "the agent's next change waits for the one in flight"
    );
    s.handle_batch(batch, applied(&[11], "Break"), 4);
    let Some(Action::SetStatus { status, .. }) = s.poll_action(5) else {
        panic!("expected the latest change");
    };
    assert_eq!(status, "Available");
}

#[test]
fn a_failed_change_is_not_sent_again_when_a_newer_one_of_its_agent_waits() {
    let mut s = Scheduler::new(cfg(10), 1);
    s.set_status(change(1, 11, "Break", 0));
    s.set_status(change(2, 12, "Break", 0));
    let Some(Action::SetStatus { batch, .. }) = s.poll_action(0) else {
        panic!("expected a batch");
    };
    s.set_status(change(3, 11, "Meal", 1));
    s.handle_batch(batch, BatchAnswer::Transient, 2);
    assert_eq!(events(&mut s), vec![Event::Superseded { change: 1, by: 3 }]);
    let sent: Vec<Action> = std::iter::from_fn(|| s.poll_action(60_000)).collect();
    let sent: Vec<(String, Vec<AgentId>)> = sent
        .into_iter()
        .filter_map(|a| match a {
            Action::SetStatus {
                status, agent_ids, ..
            } => Some((status, agent_ids)),
            Action::Send { .. } => None,
        })
        .collect();
    assert_eq!(
        sent,
        vec![("Break".into(), vec![12]), ("Meal".into(), vec![11])],
        "agent 12's change again, agent 11's newest instead of its failed one"
    );
}

#[test]
fn a_change_queued_again_is_a_no_op_and_an_older_one_is_superseded_by_the_newest() {
    // A new lease holder resumes what the database holds open, some of which it queued already.
    let mut s = Scheduler::new(cfg(10), 1);
    s.set_status(change(5, 11, "Break", 0));
    let Some(Action::SetStatus { batch, .. }) = s.poll_action(0) else {
        panic!("expected a batch");
    };
    s.set_status(change(7, 11, "Meal", 1));
    s.set_status(change(5, 11, "Break", 2));
    s.set_status(change(7, 11, "Meal", 2));
    assert_eq!(
        events(&mut s),
        vec![],
        "the same changes again: nothing new"
    );
    s.set_status(change(6, 11, "Lunch", 3));
    assert_eq!(events(&mut s), vec![Event::Superseded { change: 6, by: 7 }]);
    s.handle_batch(batch, applied(&[11], "Break"), 4);
    let Some(Action::SetStatus { status, .. }) = s.poll_action(5) else {
        panic!("expected change 7");
    };
    assert_eq!(status, "Meal");
    assert_eq!(s.poll_action(6), None, "and only once");
}

#[test]
fn forgetting_drops_what_waits_and_what_would_be_resent_but_not_an_answer_on_its_way() {
    let mut s = Scheduler::new(cfg(10), 1);
    s.set_status(change(1, 11, "Break", 0));
    s.set_status(change(2, 12, "Meal", 0));
    let Some(Action::SetStatus { batch: b1, .. }) = s.poll_action(0) else {
        panic!("expected a batch");
    };
    let Some(Action::SetStatus { batch: b2, .. }) = s.poll_action(0) else {
        panic!("expected a second batch");
    };
    s.handle_batch(b2, BatchAnswer::Transient, 1);
    s.set_status(change(3, 13, "Available", 2));
    s.forget_statuses();
    assert_eq!(s.backlog().0, 0, "nothing waits");
    assert_eq!(s.poll_action(60_000), None, "nothing is sent");
    s.handle_batch(b1, applied(&[11], "Break"), 3);
    assert_eq!(
        events(&mut s),
        vec![Event::Applied {
            change: 1,
            agent: 11,
            status: "Break".into()
        }],
        "the batch in flight is still answered"
    );
    // The lease comes back: the same changes, queued again from the database, go out.
    s.set_status(change(2, 12, "Meal", 60_000));
    s.set_status(change(3, 13, "Available", 60_000));
    let sent: Vec<Action> = std::iter::from_fn(|| s.poll_action(60_000)).collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
}

#[test]
fn a_tailing_read_a_moment_ago_does_not_hold_back_a_status_change() {
    let mut s = Scheduler::new(
        Config {
            spread: true,
            margin_ms: 50,
            ..cfg(10)
        },
        1,
    );
    s.submit(1, Priority::Background, true, 0);
    assert!(matches!(
        s.poll_action(0),
        Some(Action::Send { request: 1, .. })
    ));
    s.handle_answer(1, Answer::Final, 3);
    // The agent's change goes at once, not a spacing (105 ms) after the read.
    s.set_status(change(1, 11, "Break", 20));
    assert_eq!(s.poll_timeout(20), Some(20));
    assert!(matches!(s.poll_action(20), Some(Action::SetStatus { .. })));
    // The next change and the next read each wait a spacing after that send.
    s.set_status(change(2, 12, "Lunch", 30));
    s.submit(2, Priority::Read, true, 30);
    assert_eq!(s.poll_action(30), None);
    assert_eq!(s.poll_timeout(30), Some(125));
    assert!(matches!(s.poll_action(125), Some(Action::SetStatus { .. })));
    assert_eq!(s.poll_timeout(125), Some(230));
    assert!(matches!(
        s.poll_action(230),
        Some(Action::Send { request: 2, .. })
    ));
}

#[test]
fn urgent_before_reads_and_background_but_starving_reads_get_through() {
    let mut s = Scheduler::new(cfg(10), 1);
    s.submit(1, Priority::Background, true, 0);
    s.submit(2, Priority::Read, true, 0);
    s.submit(3, Priority::Urgent, false, 5);
    s.set_status(change(9, 11, "Break", 6));
    let order: Vec<Action> = (0..4).filter_map(|_| s.poll_action(10)).collect();
    assert_eq!(
        order,
        vec![
            Action::Send {
                request: 3,
                attempt: 1
            },
            Action::SetStatus {
                batch: 1,
                status: "Break".into(),
                agent_ids: vec![11],
                changes: vec![9],
                attempt: 1
            },
            Action::Send {
                request: 2,
                attempt: 1
            },
            Action::Send {
                request: 1,
                attempt: 1
            },
        ]
    );

    let mut s = Scheduler::new(cfg(1), 1);
    s.submit(1, Priority::Background, true, 0);
    for i in 0..30u64 {
        s.set_status(change(i, i as i64, &format!("S{i}"), i * 1_000));
    }
    let mut sent_background_at = None;
    for t in (0..30_000).step_by(100) {
        match s.poll_action(t) {
            Some(Action::Send { request: 1, .. }) => {
                sent_background_at = Some(t);
                break;
            }
            Some(Action::SetStatus {
                batch,
                status,
                agent_ids,
                ..
            }) => s.handle_batch(batch, applied(&agent_ids, &status), t),
            _ => {}
        }
    }
    assert_eq!(sent_background_at, Some(10_000));
}

#[test]
fn a_429_pauses_shrinks_the_bucket_and_resends_the_same_batch() {
    let mut s = Scheduler::new(cfg(4), 1);
    s.set_status(change(1, 11, "Break", 0));
    let Some(Action::SetStatus { batch, .. }) = s.poll_action(0) else {
        panic!("expected a batch");
    };
    s.handle_batch(
        batch,
        BatchAnswer::RateLimited {
            retry_after_ms: Some(2_000),
        },
        10,
    );
    assert_eq!(s.limiter().current_rate(), 2.0);
    assert_eq!(s.poll_action(1_000), None);
    assert_eq!(s.poll_timeout(1_000), Some(2_010));
    assert_eq!(
        s.poll_action(2_010),
        Some(Action::SetStatus {
            batch,
            status: "Break".into(),
            agent_ids: vec![11],
            changes: vec![1],
            attempt: 2
        })
    );
    assert!(events(&mut s).is_empty(), "nothing reported lost");
}

#[test]
fn a_rejected_batch_is_split_and_only_the_refused_agent_fails() {
    let mut s = Scheduler::new(cfg(10), 1);
    s.set_status(change(1, 11, "Break", 0));
    s.set_status(change(2, 12, "Break", 0));
    let Some(Action::SetStatus { batch, .. }) = s.poll_action(0) else {
        panic!("expected a batch");
    };
    let refusal = BatchAnswer::Rejected {
        code: 400,
        message: "agent is in a system status".into(),
    };
    s.handle_batch(batch, refusal.clone(), 1);
    let mut singles = Vec::new();
    while let Some(Action::SetStatus {
        batch, agent_ids, ..
    }) = s.poll_action(2)
    {
        singles.push((batch, agent_ids));
    }
    assert_eq!(
        singles.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>(),
        vec![vec![11], vec![12]]
    );
    s.handle_batch(singles[0].0, applied(&[11], "Break"), 3);
    s.handle_batch(singles[1].0, refusal, 3);
    assert_eq!(
        events(&mut s),
        vec![
            Event::Applied {
                change: 1,
                agent: 11,
                status: "Break".into()
            },
            Event::Failed {
                change: 2,
                agent: 12,
                reason: "ccai refused (400): agent is in a system status".into()
            },
        ]
    );
}

#[test]
fn a_call_is_never_retried_but_a_read_is() {
    let mut s = Scheduler::new(cfg(10), 1);
    s.submit(1, Priority::Urgent, false, 0);
    s.submit(2, Priority::Read, true, 0);
    assert!(s.poll_action(0).is_some());
    assert!(s.poll_action(0).is_some());
    s.handle_answer(1, Answer::Transient, 1);
    s.handle_answer(2, Answer::Transient, 1);
    assert_eq!(events(&mut s), vec![Event::GaveUp { request: 1 }]);
    let t = s.poll_timeout(1).unwrap_or(0);
    assert_eq!(
        s.poll_action(t),
        Some(Action::Send {
            request: 2,
            attempt: 2
        })
    );
    s.handle_answer(2, Answer::Final, t);
    assert_eq!(events(&mut s), vec![Event::Done { request: 2 }]);
}

#[test]
fn an_answer_that_leaves_the_agent_elsewhere_is_a_failure() {
    let mut s = Scheduler::new(cfg(10), 1);
    s.set_status(change(1, 11, "Break", 0));
    s.set_status(change(2, 12, "Break", 0));
    let Some(Action::SetStatus { batch, .. }) = s.poll_action(0) else {
        panic!("expected a batch");
    };
    s.handle_batch(
        batch,
        BatchAnswer::Applied(vec![AgentResult {
            agent_id: 11,
            current_status: "In-call".into(),
        }]),
        1,
    );
    assert_eq!(
        events(&mut s),
        vec![
            Event::Failed {
                change: 1,
                agent: 11,
                reason: "ccai kept the agent in In-call".into()
            },
            Event::Failed {
                change: 2,
                agent: 12,
                reason: "ccai's answer did not list the agent".into()
            },
        ]
    );
}

#[derive(Debug, Clone)]
enum Op {
    Change { agent: i64, target: u8 },
    Answer { kind: u8 },
    Advance { ms: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0i64..6, 0u8..3).prop_map(|(agent, target)| Op::Change { agent, target }),
        3 => (0u8..10).prop_map(|kind| Op::Answer { kind }),
        2 => (1u64..1_500).prop_map(|ms| Op::Advance { ms }),
    ]
}

proptest! {
    /// Whatever CCAI answers and whenever: never above the rate in any one-second window; every change
    /// ends exactly once (applied, failed or superseded); per agent, CCAI sees changes in order; the
    /// latest change of each agent is never superseded and is applied once CCAI recovers.
    #[test]
    fn rate_order_and_latest_wins(rate in 1u32..=10, spread: bool, ops in proptest::collection::vec(op(), 1..200)) {
        let mut s = Scheduler::new(Config { spread, ..cfg(rate) }, 7);
        let mut now = 0u64;
        let mut next_id = 0u64;
        let mut sends: Vec<u64> = Vec::new();
        let mut in_flight: VecDeque<Action> = VecDeque::new();
        let mut sent_order: BTreeMap<i64, Vec<ChangeId>> = BTreeMap::new();
        let mut enqueued: BTreeMap<i64, Vec<(ChangeId, String)>> = BTreeMap::new();
        let mut ended: BTreeMap<ChangeId, Event> = BTreeMap::new();
        let targets = ["Available", "Break", "Meal"];

        let step = |s: &mut Scheduler, now: u64, in_flight: &mut VecDeque<Action>, sends: &mut Vec<u64>,
                        sent_order: &mut BTreeMap<i64, Vec<ChangeId>>| {
            while let Some(a) = s.poll_action(now) {
                sends.push(now);
                if let Action::SetStatus { agent_ids, changes, .. } = &a {
                    for (agent, c) in agent_ids.iter().zip(changes) {
                        let sent = sent_order.entry(*agent).or_default();
                        // A resend of the same batch is the same change, not a duplicate.
                        if sent.last() != Some(c) {
                            sent.push(*c);
                        }
                    }
                }
                in_flight.push_back(a);
            }
        };

        for o in ops {
            match o {
                Op::Change { agent, target } => {
                    next_id += 1;
                    let t = targets[target as usize].to_owned();
                    enqueued.entry(agent).or_default().push((next_id, t.clone()));
                    s.set_status(change(next_id, agent, &t, now));
                }
                Op::Answer { kind } => {
                    if let Some(a) = in_flight.pop_front() {
                        match a {
                            Action::SetStatus { batch, status, agent_ids, .. } => {
                                let answer = match kind {
                                    0 => BatchAnswer::RateLimited { retry_after_ms: None },
                                    1 => BatchAnswer::Transient,
                                    2 => BatchAnswer::Rejected { code: 400, message: "no".into() },
                                    _ => applied(&agent_ids, &status),
                                };
                                s.handle_batch(batch, answer, now);
                            }
                            Action::Send { request, .. } => s.handle_answer(request, Answer::Final, now),
                        }
                    }
                }
                Op::Advance { ms } => now += ms,
            }
            step(&mut s, now, &mut in_flight, &mut sends, &mut sent_order);
            while let Some(e) = s.poll_event() {
                let id = match &e { Event::Applied { change, .. } | Event::Failed { change, .. } | Event::Superseded { change, .. } => *change, _ => continue };
                prop_assert!(ended.insert(id, e.clone()).is_none(), "change {id} ended twice");
            }
        }
        // CCAI recovers: answer everything with success until the queue is empty.
        for _ in 0..10_000 {
            if let Some(a) = in_flight.pop_front() {
                match a {
                    Action::SetStatus { batch, status, agent_ids, .. } => s.handle_batch(batch, applied(&agent_ids, &status), now),
                    Action::Send { request, .. } => s.handle_answer(request, Answer::Final, now),
                }
            } else {
                match s.poll_timeout(now) { Some(t) if t > now => now = t, Some(_) => {}, None => break }
            }
            step(&mut s, now, &mut in_flight, &mut sends, &mut sent_order);
            while let Some(e) = s.poll_event() {
                let id = match &e { Event::Applied { change, .. } | Event::Failed { change, .. } | Event::Superseded { change, .. } => *change, _ => continue };
                prop_assert!(ended.insert(id, e.clone()).is_none(), "change {id} ended twice");
            }
        }

        for (i, t) in sends.iter().enumerate() {
            let in_window = sends[i..].iter().take_while(|u| **u < t + 1_000).count();
            prop_assert!(in_window <= rate as usize, "{in_window} sends in the second from {t} at rate {rate}");
        }
        for (agent, changes) in &enqueued {
            for (id, _) in changes {
                prop_assert!(ended.contains_key(id), "change {id} of agent {agent} never ended");
            }
            let order = sent_order.get(agent).cloned().unwrap_or_default();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "agent {agent} sent out of order: {order:?}");
            let (latest, _) = changes.last().expect("non-empty");
            prop_assert!(!matches!(ended[latest], Event::Superseded { .. }), "latest change {latest} superseded");
        }
    }
}

#[test]
fn a_refused_agent_in_a_large_batch_is_found_by_halving() {
    let mut s = Scheduler::new(cfg(10), 1);
    for agent in 1..=8 {
        s.set_status(change(agent as u64, agent, "Break", 0));
    }
    let mut requests = 0;
    let mut t = 0;
    while let Some(action) = s.poll_action(t).or_else(|| {
        t = s.poll_timeout(t)?;
        s.poll_action(t)
    }) {
        let Action::SetStatus {
            batch, agent_ids, ..
        } = action
        else {
            panic!("only status batches here");
        };
        requests += 1;
        let answer = if agent_ids.contains(&6) {
            BatchAnswer::Rejected {
                code: 400,
                message: "in a system status".into(),
            }
        } else {
            applied(&agent_ids, "Break")
        };
        s.handle_batch(batch, answer, t);
    }
    let ev = events(&mut s);
    let failed: Vec<_> = ev
        .iter()
        .filter(|e| matches!(e, Event::Failed { .. }))
        .collect();
    assert_eq!(failed.len(), 1, "{ev:?}");
    assert_eq!(ev.len(), 8);
    assert_eq!(
        requests, 7,
        "8 → 4+4 → 2+2 → 1+1: one request per level and side"
    );
}

/// A steady shift at 10 requests/s: 500 agents, each changing to one of four statuses every
/// 0.75–3 s (the load test's hour, compressed 40×), CCAI answering in `rtt_ms`. Returns the waits
/// (enqueue → answer) of the applied changes, sorted.
fn shift_at_ten_per_second(spread: bool, rtt_ms: u64) -> Vec<u64> {
    let mut s = Scheduler::new(
        Config {
            rate_per_s: 10,
            margin_ms: 50,
            spread,
            ..Config::default()
        },
        1,
    );
    let targets = ["Available", "Break", "Training", "Unavailable"];
    let mut seed = 7u64;
    let mut rand = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    // When each agent changes next: time → agents.
    let mut next: BTreeMap<u64, Vec<AgentId>> = BTreeMap::new();
    for agent in 0..500 {
        next.entry(rand(3_000)).or_default().push(agent);
    }
    let mut enqueued: BTreeMap<ChangeId, u64> = BTreeMap::new();
    let mut answers: BTreeMap<u64, Vec<(BatchId, String, Vec<AgentId>)>> = BTreeMap::new();
    let mut waits = Vec::new();
    let mut id = 0;
    for now in 0..30_000u64 {
        for agent in next.remove(&now).unwrap_or_default() {
            id += 1;
            enqueued.insert(id, now);
            let target = targets[rand(4) as usize];
            s.set_status(change(id, agent, target, now));
            next.entry(now + 750 + rand(2_250)).or_default().push(agent);
        }
        for (batch, status, agents) in answers.remove(&now).unwrap_or_default() {
            s.handle_batch(batch, applied(&agents, &status), now);
        }
        while let Some(a) = s.poll_action(now) {
            if let Action::SetStatus {
                batch,
                status,
                agent_ids,
                ..
            } = a
            {
                answers
                    .entry(now + rtt_ms)
                    .or_default()
                    .push((batch, status, agent_ids));
            }
        }
        while let Some(e) = s.poll_event() {
            if let Event::Applied { change, .. } = e {
                waits.push(now - enqueued[&change]);
            }
        }
    }
    waits.sort_unstable();
    waits
}

/// The 10-requests/s budgets (p50 ≤ 500, p99 ≤ 1,500 ms) were missed because the bucket's ten
/// tokens went in a burst on tiny batches, and the changes of the next second waited for the
/// burst's windows (each counted from its answer) to end. Spread, a change waits at most about one
/// spacing per status ahead of it.
#[test]
fn spreading_the_tokens_shortens_the_wait_at_ten_per_second() {
    let p = |w: &[u64], q: usize| w[w.len() * q / 100];
    // (CCAI's answer time, the spread's p50 and p99 at most).
    for (rtt, p50_max, p99_max) in [(50, 300, 600), (150, 400, 800), (300, 600, 1_100)] {
        let burst = shift_at_ten_per_second(false, rtt);
        let spread = shift_at_ten_per_second(true, rtt);
        let got = (p(&spread, 50), p(&spread, 99));
        assert!(
            got.0 <= p50_max && got.1 <= p99_max,
            "rtt {rtt}: spread p50/p99 {got:?}, burst {:?}",
            (p(&burst, 50), p(&burst, 99))
        );
        assert!(
            got.0 * 10 < p(&burst, 50) * 7,
            "rtt {rtt}: spread p50 {} against burst {}",
            got.0,
            p(&burst, 50)
        );
        assert!(spread.len() >= burst.len(), "as many changes applied");
    }
}
