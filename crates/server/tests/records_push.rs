//! Calls reach the agent by push (issue 15): each session event concerning an agent is pushed to that
//! agent's connection, ringing at Assigned, connected at Active, ended at End, with the conversation the
//! record rules chose for the session (screen pop) and its customer, within 100 ms of the event's
//! arrival. Real HTTP (intake and SSE), real sandbox, real SQLite.

mod records_support;

use ccai_core::server_api::{CallState, Push};
use records_support::push::{answered_call, measure, percentile, AgentStream};
use records_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answering_agent_gets_the_call_with_the_conversation_the_rules_chose() {
    let world = World::start().await;
    let server = world.server(None).await;
    let mut agent = AgentStream::open(&server, AGENT).await;
    let mut bo = AgentStream::open(&server, BO).await;
    for d in answered_call("sp1", "+14155559001", world.t0_ms()) {
        let (st, answer) = world
            .post_events(
                &server,
                "call",
                &json!({ "count": 1, "events": [d] }),
                (USER, PASSWORD),
            )
            .await;
        assert_eq!(st, 200, "{answer}");
    }
    let store = &server.state.0.store;
    let (_, ringing) = agent.call("sp1", CallState::Ringing).await;
    let conversation = store.records_binding("sp1").expect("store");
    let customer = store
        .records_customer("phone:+14155559001")
        .expect("store")
        .map(|c| c.id);
    assert!(conversation.is_some() && customer.is_some());
    let Push::Call {
        conversation_id,
        customer_id,
        ..
    } = ringing
    else {
        unreachable!("call() answers call pushes")
    };
    assert_eq!(
        (conversation_id, customer_id),
        (conversation.clone(), customer)
    );
    // The conversation is the one Kustomer has for the caller, assigned to the agent (A4).
    let c = world
        .get(&format!(
            "/conversations/{}",
            conversation.unwrap_or_default()
        ))
        .await;
    assert_eq!(
        c["data"]["attributes"]["assignedUsers"],
        json!(["u-agent-1"])
    );
    agent.call("sp1", CallState::Connected).await;
    agent.call("sp1", CallState::Ended).await;
    // Another agent's connection hears nothing of it.
    assert!(tokio::time::timeout(
        std::time::Duration::from_millis(300),
        bo.call("sp1", CallState::Ringing)
    )
    .await
    .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_event_reaches_the_agents_connection_within_100_ms() {
    let world = World::start().await;
    let server = world.server(None).await;
    let mut agent = AgentStream::open(&server, AGENT).await;
    let samples = measure(&world, &server, &mut agent, 40).await;
    let p99 = percentile(&samples, 99.0);
    println!(
        "{}",
        json!({ "event_push_ms_p99": p99, "samples": samples.len() })
    );
    assert!(p99 <= 100.0, "event_push_ms_p99 {p99:.1} ms: {samples:?}");
}
