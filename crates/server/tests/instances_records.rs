//! CCAI's session events across instances on PostgreSQL (issue 18; `CCAI_TEST_PG_URL`, set by
//! `./build.sh test`; this test fails without it). CCAI's portal posts to one address, so events reach
//! whichever instance the load balancer picks: a stand-by stores them and the holder applies the record
//! rules; when the holder dies, the next one applies what was stored meanwhile.

mod records_support;

use std::time::{Duration, Instant};

use records_support::day::assigned_call;
use records_support::*;
use server::store::testing;
use server::Server;

/// How many Kustomer customers have `phone`, once there is one (or `limit` passes).
async fn customers_with(world: &World, phone: &str, limit: Duration) -> usize {
    let until = Instant::now() + limit;
    loop {
        let all = world.get("/customers?pageSize=1000").await;
        let n = all["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["attributes"]["phones"][0]["phone"] == phone)
            .count();
        if n > 0 || Instant::now() >= until {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn acting_within(server: &Server, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if server.state.acts_for_company() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_at_a_stand_by_are_applied_by_the_holder_and_by_the_next_one_when_it_dies() {
    // Every server of this test process on PostgreSQL (each test file is its own process).
    std::env::set_var(testing::BACKEND_VAR, "postgres");
    let world = World::start().await;
    let a = world.server(None).await;
    assert!(
        acting_within(&a, Duration::from_secs(5)).await,
        "a holds the lease"
    );
    let b = world.server(None).await;
    assert!(!b.state.acts_for_company(), "b stands by");

    // Events posted to the stand-by: the holder applies the record rules.
    let first = "+34611222333";
    let st = world
        .play(&b, &assigned_call("w1", first, world.t0_ms()))
        .await;
    assert!(st.iter().all(|s| *s == 200), "{st:?}");
    assert_eq!(
        customers_with(&world, first, Duration::from_secs(20)).await,
        1,
        "the holder applied what the stand-by stored"
    );

    // The holder dies; events keep coming to b, which takes over and applies them.
    a.kill().await;
    let second = "+34611444555";
    let st = world
        .play(&b, &assigned_call("w2", second, world.t0_ms() + 10_000))
        .await;
    assert!(st.iter().all(|s| *s == 200), "{st:?}");
    assert!(
        acting_within(&b, Duration::from_secs(6)).await,
        "b takes over within the lease's expiry"
    );
    assert_eq!(
        customers_with(&world, second, Duration::from_secs(20)).await,
        1,
        "the new holder applied what was stored before it took over"
    );
    assert!(
        world.wait_idle(&b, Duration::from_secs(20)).await,
        "nothing left in the inbox"
    );
    assert_eq!(
        customers_with(&world, first, Duration::ZERO).await,
        1,
        "and nothing twice"
    );
}
