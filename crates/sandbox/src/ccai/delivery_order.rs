//! The order in which CCAI makes a day's deliveries (API-NOTES A20: "Not documented: retries,
//! ordering"): each session's deliveries in order, sessions interleaved by a seed, and on request
//! duplicates (a retried delivery: the same `event_id` again, later) and delays (a delivery held back
//! and made after the next few).

use ccai_core::records::ccai_events::CcaiSessionEvent;
use serde::Deserialize;

use super::day::Story;
use super::session_events::Channel;

/// How to deliver the day.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlayOptions {
    /// Interleaving of the sessions (and of the faults below) is drawn from this seed.
    pub seed: u64,
    /// Per mille of deliveries made twice (the copy later, same `event_id`: a retry).
    pub duplicate_permille: u32,
    /// Per mille of deliveries held back and made after the next few (out of order).
    pub delay_permille: u32,
}

/// The order CCAI makes the day's deliveries in: each session's in order, sessions interleaved by the
/// seed, then duplicates and delays as `opts` asks.
pub fn deliveries(stories: &[Story], opts: &PlayOptions) -> Vec<(Channel, CcaiSessionEvent)> {
    let lists: Vec<Vec<(Channel, CcaiSessionEvent)>> = stories
        .iter()
        .map(|s| s.events.iter().map(|e| (s.channel, e.clone())).collect())
        .collect();
    interleave(&lists, opts)
}

/// Any lists of deliveries (a session's, an end user's), each kept in its order, interleaved by the
/// seed, then duplicates and delays as `opts` asks. The server's record-rules tests use it too, on
/// their own delivery bodies.
pub fn interleave<T: Clone>(lists: &[Vec<T>], opts: &PlayOptions) -> Vec<T> {
    let mut rng = opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut cursors = vec![0usize; lists.len()];
    let mut order = Vec::new();
    loop {
        let live: Vec<usize> = (0..lists.len())
            .filter(|&i| cursors[i] < lists[i].len())
            .collect();
        if live.is_empty() {
            break;
        }
        let pick = live[(next() % live.len() as u64) as usize];
        order.push(lists[pick][cursors[pick]].clone());
        cursors[pick] += 1;
    }
    let mut out = Vec::new();
    let mut held: Vec<(usize, T)> = Vec::new();
    for e in order {
        if (next() % 1000) < u64::from(opts.delay_permille) {
            held.push((out.len() + 1 + (next() % 4) as usize, e.clone()));
        } else {
            out.push(e.clone());
        }
        if (next() % 1000) < u64::from(opts.duplicate_permille) {
            held.push((out.len() + 2, e));
        }
        let (due, later): (Vec<_>, Vec<_>) = held.into_iter().partition(|(at, _)| *at <= out.len());
        held = later;
        out.extend(due.into_iter().map(|(_, e)| e));
    }
    out.extend(held.into_iter().map(|(_, e)| e));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccai::day::{day, session_id, AGENT_ID, BO_ID};
    use ccai_core::records::ccai_events::SessionState;
    use uuid::Uuid;

    #[test]
    fn every_session_goes_through_the_states_in_order_with_rising_timestamps() {
        let stories = day("", 1_000_000);
        assert_eq!(stories.len(), 9);
        for s in &stories {
            assert_eq!(s.events[0].state, SessionState::Start);
            assert!(s.events.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
            let id = s.events[0].session_id();
            assert!(s.events.iter().all(|e| e.session_id() == id));
        }
        assert_eq!(session_id("", "a1"), 101);
        assert_eq!(session_id("", "d2"), 402);
        assert_ne!(session_id("x-", "a1"), session_id("y-", "a1"));
    }

    #[test]
    fn duplicates_keep_their_event_id_and_plain_order_keeps_each_session_in_order() {
        let stories = day("", 0);
        let total: usize = stories.iter().map(|s| s.events.len()).sum();
        let plain = deliveries(
            &stories,
            &PlayOptions {
                seed: 3,
                ..PlayOptions::default()
            },
        );
        assert_eq!(plain.len(), total);
        for s in &stories {
            let id = s.events[0].session_id();
            let mine: Vec<u64> = plain
                .iter()
                .filter(|(_, e)| e.session_id() == id)
                .map(|(_, e)| e.timestamp)
                .collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]));
        }
        let opts = PlayOptions {
            seed: 3,
            duplicate_permille: 500,
            delay_permille: 300,
        };
        let noisy = deliveries(&stories, &opts);
        assert!(noisy.len() > total);
        let mut ids: Vec<Uuid> = noisy.iter().map(|(_, e)| e.event_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), total, "a duplicate is the same event again");
    }

    /// The day read by the server's translation (core): each session yields the rules' events it is
    /// meant to play.
    #[test]
    fn the_core_translation_reads_the_day_as_meant() {
        use ccai_core::records::ccai_translate::{translate, SessionSoFar};
        use ccai_core::records::Channel as RulesChannel;
        let email = |id: i64| match id {
            AGENT_ID => Some("agent@example.com".to_owned()),
            BO_ID => Some("bo@example.com".to_owned()),
            _ => None,
        };
        let stories = day("", 1_000_000);
        let mut kinds: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for s in &stories {
            let channel = match s.channel {
                Channel::Call => RulesChannel::Voice,
                Channel::Chat => RulesChannel::Chat,
            };
            let mut prev: Option<&CcaiSessionEvent> = None;
            let mut max_rank = 0;
            for e in &s.events {
                let so_far = SessionSoFar {
                    previous: prev,
                    max_rank,
                    parent: None,
                };
                let out = translate(channel, e, &so_far, email).expect("translates");
                let names = out.iter().map(|x| {
                    format!("{:?}", x.kind)
                        .split([' ', '{', '('])
                        .next()
                        .unwrap_or("")
                        .to_owned()
                });
                kinds.entry(e.session_id()).or_default().extend(names);
                prev = Some(e);
                max_rank = max_rank.max(e.state.rank());
            }
        }
        let want = [
            ("101", "SessionStarted CallAnswered Transferred Ended"),
            ("102", "SessionStarted CallAnswered Ended"),
            ("103", "CallBack Ended"),
            ("104", "SessionStarted VoicemailLeft VoicemailHandled"),
            ("201", "SessionStarted Abandoned"),
            ("202", "OutboundCallStarted Ended"),
            (
                "301",
                "SessionStarted CallAnswered Ended ChatTranscript Rated",
            ),
            ("401", "SessionStarted CallAnswered Ended"),
            ("402", "CallBack Ended"),
        ];
        for (id, list) in want {
            assert_eq!(kinds[id].join(" "), list, "session {id}");
        }
    }
}
