//! The softphone's two timing-and-safety rules, kept pure so they are tested natively: when closing
//! the owner tab must ask the agent first, and how often CCAI is polled.

/// How often a visible tab reads CCAI: the agent sees a change within this.
pub const POLL_VISIBLE_MS: u32 = 700;
/// How often a hidden tab reads CCAI. Chrome already held a hidden page's timers to one wake-up a
/// second; the poll now sleeps on a worker's clock, which Chrome does not throttle, so this keeps a
/// hidden owner tab's requests to CCAI (rate-limited per company) no more frequent than before, while
/// an incoming call still rings within about a second.
pub const POLL_HIDDEN_MS: u32 = 1_000;

/// The pause before the next poll, given whether the tab is hidden.
pub fn poll_delay_ms(hidden: bool) -> u32 {
    if hidden {
        POLL_HIDDEN_MS
    } else {
        POLL_VISIBLE_MS
    }
}

/// Whether a call in this state is the agent's work in progress, which closing the tab would cut off
/// from the agent's view: placed (dialing, ringing out), connected or on hold. An incoming call that
/// still rings is not: nothing has been taken on yet, and CCAI offers it elsewhere when it is missed.
pub fn call_is_live(call_type: &str, status: &str) -> bool {
    match status {
        "dialing" | "connected" | "on_hold" => true,
        "ringing" => call_type == "outbound",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_tab_polls_no_faster_than_once_a_second() {
        assert_eq!(poll_delay_ms(false), 700);
        assert!(poll_delay_ms(true) >= 1_000);
        // Fast enough that a hidden owner tab still rings within about a second of CCAI offering the call.
        assert!(poll_delay_ms(true) <= 1_500);
    }

    #[test]
    fn calls_the_agent_has_taken_on_are_live() {
        for (kind, status) in [
            ("outbound", "dialing"),
            ("outbound", "ringing"),
            ("outbound", "connected"),
            ("inbound", "connected"),
            ("inbound", "on_hold"),
            ("outbound", "on_hold"),
        ] {
            assert!(call_is_live(kind, status), "{kind} {status}");
        }
    }

    #[test]
    fn ringing_in_and_ended_calls_are_not_live() {
        for (kind, status) in [
            ("inbound", "ringing"),
            ("inbound", "finished"),
            ("outbound", "declined"),
            ("inbound", "missed"),
            ("inbound", "queued"),
            ("outbound", "something-new"),
        ] {
            assert!(!call_is_live(kind, status), "{kind} {status}");
        }
    }
}
