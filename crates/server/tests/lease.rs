//! The company lease on PostgreSQL (`CCAI_TEST_PG_URL`, set by `./build.sh test`; these tests fail
//! without it): one holder at a time, a takeover within 5 s of the holder's death, a revived holder
//! fenced, an instance with other settings refused in words, a holder that loses its database stops
//! acting and comes back as a stand-by, and a fenced CCAI request never leaves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::ccai::client::{CcaiCall, CcaiClient, CcaiError};
use server::config::{Config, Secrets};
use server::lease::{self, Attempt};
use server::store::{testing, Database, Store};

fn fresh_pg(test: &str) -> Database {
    let name = format!(
        "ccai_lease_{test}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    );
    testing::postgres_database(&name)
        .unwrap_or_else(|e| panic!("these tests need PostgreSQL ({}): {e}", testing::PG_URL_VAR))
}

fn config(rate: u32) -> Config {
    let mut cfg = Config::new(Secrets {
        ccai_api_token: "t".into(),
        kustomer_api_key: "k".into(),
        kustomer_oauth_client_secret: "o".into(),
        ccai_events_password: "e".into(),
    });
    cfg.ccai_rate_per_s = rate;
    cfg
}

/// An instance's lease: its own connection (as another process would have), its task running.
fn instance(
    db: &Database,
    name: &str,
    cfg: &Config,
) -> (Arc<Store>, lease::Lease, tokio::task::JoinHandle<()>) {
    let store = Arc::new(Store::open(db).expect("open"));
    let (lease, task) = lease::start(
        store.clone(),
        lease::company_of(cfg),
        name.into(),
        lease::settings_of(cfg),
    );
    (store, lease, tokio::spawn(task))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_holder_at_a_time_a_takeover_within_5_s_and_the_old_holder_fenced() {
    let db = fresh_pg("takeover");
    let cfg = config(1);
    let (a_store, mut a, a_task) = instance(&db, "a", &cfg);
    let a_token = tokio::time::timeout(Duration::from_secs(5), a.held())
        .await
        .expect("a takes the free lease");
    let (b_store, mut b, b_task) = instance(&db, "b", &cfg);
    tokio::time::sleep(Duration::from_millis(2 * lease::RENEW_MS)).await;
    assert_eq!(b.token(), None, "b stands by while a renews");
    assert!(a.check(&a_store).is_ok());
    assert!(b.check(&b_store).is_err(), "b may not send");

    // a dies (kill -9: no goodbye, the row stays until it expires).
    a_task.abort();
    let died = Instant::now();
    let b_token = tokio::time::timeout(Duration::from_secs(5), b.held())
        .await
        .expect("b takes over within 5 s");
    let took = died.elapsed();
    assert!(took <= Duration::from_secs(5), "took over in {took:?}");
    assert!(b_token > a_token, "a new holder, a new token");
    println!("{{\"lease_takeover_ms\":{}}}", took.as_millis());

    // a comes back (a paused process, a healed network) still believing in its token: fenced.
    let refused = a.check(&a_store).expect_err("the old holder cannot send");
    assert!(refused.contains("taken over"), "{refused}");
    assert!(b.check(&b_store).is_ok());
    b_task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_with_other_settings_refuses_the_lease_and_says_why() {
    let db = fresh_pg("settings");
    let (store, mut a, a_task) = instance(&db, "a", &config(1));
    a.held().await;
    let other = config(5);
    let attempt = store
        .lease_try(
            &lease::company_of(&other),
            "b",
            &lease::settings_of(&other),
            server::now_ms(),
        )
        .expect("try");
    let Attempt::Refused {
        holder,
        differences,
    } = attempt
    else {
        panic!("refused, got {attempt:?}");
    };
    assert_eq!(holder, "a");
    assert_eq!(
        differences,
        vec!["ccai rate per second is 1 there and 5 here".to_owned()]
    );
    // The same settings only wait their turn.
    let same = config(1);
    let attempt = store
        .lease_try(
            &lease::company_of(&same),
            "c",
            &lease::settings_of(&same),
            server::now_ms(),
        )
        .expect("try");
    assert!(matches!(attempt, Attempt::Busy { .. }), "{attempt:?}");
    a_task.abort();
}

/// Forwards a loopback port to the tests' PostgreSQL, on a thread and runtime of its own (the store's
/// calls block their worker while they wait, so a relay on the test's runtime could starve), until
/// stopped: then every connection through it drops at once.
struct Relay {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    fn start(port: u16, to: std::net::SocketAddr) -> Relay {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let mut conns = tokio::task::JoinSet::new();
                let accept = async {
                    while let Ok((mut inbound, _)) = listener.accept().await {
                        conns.spawn(async move {
                            if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound)
                                    .await;
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stopped => {}
                }
            });
        });
        Relay {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn via(db: &Database, port: u16) -> (Database, std::net::SocketAddr) {
    let Database::Postgres(url) = db else {
        panic!("postgres")
    };
    let (user, rest) = url.rsplit_once('@').expect("user@host");
    let (host_port, name) = rest.split_once('/').expect("database");
    let real_port: u16 = host_port
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("port");
    (
        Database::Postgres(format!("{user}@127.0.0.1:{port}/{name}")),
        ([127, 0, 0, 1], real_port).into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_that_loses_its_database_stops_acting_and_comes_back_standing_by() {
    let db = fresh_pg("lost");
    let cfg = config(1);
    let port = free_port();
    let (a_db, real) = via(&db, port);
    let mut relay = Relay::start(port, real);
    let (a_store, mut a, a_task) = instance(&a_db, "a", &cfg);
    a.held().await;
    let (b_store, mut b, b_task) = instance(&db, "b", &cfg);

    // a's network to the database drops.
    relay.stop();
    let cut = Instant::now();
    while a.token().is_some() {
        assert!(
            cut.elapsed() < Duration::from_secs(3),
            "a still believes it holds the lease"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(a.check(&a_store).is_err(), "a cannot send");
    tokio::time::timeout(Duration::from_secs(6), b.held())
        .await
        .expect("b takes over once a's lease expires");

    // a's network is back: it reconnects and stands by; b keeps acting.
    let _relay = Relay::start(port, real);
    tokio::time::sleep(Duration::from_millis(3 * lease::RENEW_MS)).await;
    assert_eq!(a.token(), None, "a stands by");
    let holder = a_store
        .lease_holder(&lease::company_of(&cfg), server::now_ms())
        .expect("a reads the database again");
    assert_eq!(holder.map(|(h, _)| h), Some("b".to_owned()));
    assert!(b.check(&b_store).is_ok());
    a_task.abort();
    b_task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_ccai_request_never_leaves() {
    let db = fresh_pg("fence");
    let cfg = config(1);
    let (_a_store, mut a, a_task) = instance(&db, "a", &cfg);
    a.held().await;
    let (b_store, b, b_task) = instance(&db, "b", &cfg);
    // CCAI here is a listener that counts connections.
    let ccai = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", ccai.local_addr().expect("addr"));
    let client = CcaiClient::new(&base, "tenant", "token")
        .expect("client")
        .with_fence(Arc::new(move || b.check(&b_store)));
    let err = client
        .send(&CcaiCall::get("/manager/api/v1/agents"))
        .await
        .expect_err("b does not hold the lease");
    assert!(matches!(err, CcaiError::Fenced { .. }), "{err}");
    let reached = tokio::time::timeout(Duration::from_millis(300), ccai.accept()).await;
    assert!(reached.is_err(), "nothing reached ccai");
    a_task.abort();
    b_task.abort();
}
