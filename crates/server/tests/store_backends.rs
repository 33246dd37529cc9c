//! The store on both engines, in one run: SQLite (a file) and PostgreSQL (`CCAI_TEST_PG_URL`, which
//! `./build.sh test` sets after `scripts/test-pg.sh start`; without it these tests fail, they never
//! skip). Migrations from empty and from the previous version, a migration failing halfway, a newer
//! database, the same store calls on both, a database that is away at start or goes away later.

use std::time::{Duration, Instant};

use ccai_core::records::{Channel, ConversationFacts, ConversationStatus};
use server::http::auth::Agent;
use server::status::store::{self as status, Inserted, NewChange};
use server::store::identity::{KustomerTokens, NewTokens, Rotation};
use server::store::{
    connect, migrate, testing, Database, Migration, Store, StoreError, MIGRATIONS,
};

/// A fresh database on each engine, named after the test.
fn engines(test: &str) -> Vec<(Database, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Database::Sqlite(dir.path().join("store.db"));
    let unique = format!(
        "ccai_store_{test}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    );
    let pg = testing::postgres_database(&unique)
        .unwrap_or_else(|e| panic!("these tests need PostgreSQL ({}): {e}", testing::PG_URL_VAR));
    let dir2 = tempfile::tempdir().expect("tempdir");
    vec![(sqlite, dir), (pg, dir2)]
}

fn latest(component: &str) -> u32 {
    MIGRATIONS
        .iter()
        .filter(|m| m.component == component)
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

#[test]
fn migrations_from_empty_bring_every_component_to_its_latest_version() {
    for (db, _dir) in engines("empty") {
        let store = Store::open(&db).expect("open");
        for m in MIGRATIONS {
            assert_eq!(
                store.schema_version(m.component).expect("version"),
                latest(m.component),
                "{} on {}",
                m.component,
                db.masked()
            );
        }
        drop(store);
        // Opening again applies nothing and changes nothing.
        Store::open(&db).expect("open again");
    }
}

#[test]
fn migrations_from_the_previous_version_keep_what_was_stored() {
    for (db, _dir) in engines("previous") {
        let mut conn = connect(&db).expect("connect");
        let previous = &MIGRATIONS[..MIGRATIONS.len() - 1];
        migrate(&mut conn, previous).expect("the previous version");
        conn.execute(
            "INSERT INTO agents (email, kustomer_user_id, ccai_agent_id, name, kustomer_access,
                signed_in_at_ms) VALUES ('ana@example.com', 'k1', 7, 'Ana', 'sealed', 1)",
            [],
        )
        .expect("a row of the previous version");
        drop(conn);
        let last = &MIGRATIONS[MIGRATIONS.len() - 1];
        let store = Store::open(&db).expect("migrate to the latest");
        assert_eq!(
            store.schema_version(last.component).expect("version"),
            latest(last.component)
        );
        let ana = store.agent("ana@example.com").expect("read").expect("kept");
        assert_eq!(
            (ana.name.as_str(), ana.ccai_agent_id),
            ("Ana", 7),
            "{}",
            db.masked()
        );
    }
}

#[test]
fn a_migration_failing_halfway_leaves_nothing_of_itself() {
    let steps = [
        Migration {
            component: "trial",
            version: 1,
            sql: "CREATE TABLE trial_t (x INTEGER);",
        },
        Migration {
            component: "trial",
            version: 2,
            sql: "CREATE TABLE trial_u (z INTEGER); INSERT INTO trial_t (x) VALUES (1); THIS IS NOT SQL;",
        },
    ];
    for (db, _dir) in engines("halfway") {
        let mut conn = connect(&db).expect("connect");
        migrate(&mut conn, &steps[..1]).expect("v1");
        let err = migrate(&mut conn, &steps).expect_err("v2 fails");
        assert!(
            err.to_string().contains("trial to version 2")
                && err.to_string().contains("nothing of it was applied"),
            "{err}"
        );
        let version: u32 = conn
            .query_row(
                "SELECT version FROM schema_version WHERE component = 'trial'",
                [],
                |r| r.get(0),
            )
            .expect("version");
        assert_eq!(version, 1, "{}", db.masked());
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM trial_t", [], |r| r.get(0))
            .expect("v1's table");
        assert_eq!(rows, 0, "the failed step's insert was rolled back");
        assert!(
            conn.query_row("SELECT COUNT(*) FROM trial_u", [], |r| r.get::<_, i64>(0))
                .is_err(),
            "the failed step's table was rolled back on {}",
            db.masked()
        );
    }
}

#[test]
fn a_database_from_a_newer_server_is_refused() {
    for (db, _dir) in engines("newer") {
        drop(Store::open(&db).expect("open"));
        let conn = connect(&db).expect("connect");
        conn.execute(
            "UPDATE schema_version SET version = 99 WHERE component = 'identity'",
            [],
        )
        .expect("a newer server's version");
        drop(conn);
        let err = Store::open(&db).err().expect("refused");
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    }
}

#[test]
fn the_same_store_calls_answer_the_same_on_both_engines() {
    let ana = Agent {
        email: "ana@example.com".into(),
        kustomer_user_id: "k-ana".into(),
        ccai_agent_id: 7,
        name: "Ana".into(),
    };
    for (db, _dir) in engines("same") {
        let on = db.masked();
        let store = Store::open(&db).expect("open");
        let tokens = KustomerTokens {
            access: "sealed-access".into(),
            refresh: None,
            expires_at_ms: Some(5_000_000_000_000),
        };
        store.save_agent(&ana, &tokens, 1_000).expect("save");
        assert_eq!(
            store.kustomer_tokens(&ana.email).expect("tokens"),
            Some(tokens),
            "{on}"
        );
        let first = NewTokens {
            token_hash: "t1",
            token_expires_ms: 2_000,
            refresh_hash: "r1",
            refresh_expires_ms: 9_000,
        };
        store
            .create_session("s1", &ana.email, &first, 1_000)
            .expect("session");
        assert_eq!(
            store.signed_in_agents(1_500).expect("agents"),
            vec![ana.clone()],
            "{on}"
        );
        let next = NewTokens {
            token_hash: "t2",
            token_expires_ms: 3_000,
            refresh_hash: "r2",
            refresh_expires_ms: 9_000,
        };
        assert!(
            matches!(
                store.rotate("r1", &next, 1_500).expect("rotate"),
                Rotation::Rotated { .. }
            ),
            "{on}"
        );
        assert_eq!(
            store.rotate("r1", &next, 1_600).expect("reuse"),
            Rotation::Reused,
            "{on}"
        );
        assert!(
            store
                .session("s1")
                .expect("read")
                .expect("row")
                .revoked
                .is_some(),
            "{on}"
        );
        store
            .put_oauth_state("h", "verifier", "/back", 10_000)
            .expect("state");
        assert_eq!(
            store.take_oauth_state("h", 5_000).expect("take"),
            Some(("verifier".into(), "/back".into())),
            "{on}"
        );
        assert_eq!(
            store.take_oauth_state("h", 5_000).expect("again"),
            None,
            "single use on {on}"
        );

        let conn = store.lock();
        assert_eq!(
            status::claim(&conn, &ana.email, "s1", 1)
                .expect("claim")
                .epoch,
            1,
            "{on}"
        );
        assert_eq!(
            status::claim(&conn, &ana.email, "s2", 2)
                .expect("claim")
                .epoch,
            2,
            "{on}"
        );
        let change = NewChange {
            agent_email: &ana.email,
            ccai_agent_id: 7,
            key: "k1",
            epoch: 2,
            kustomer_status_id: "available",
            ccai_status_id: 3,
            ccai_status_name: "Available",
            changed_at_ms: 5_000_000_000_000,
            received_at_ms: 5_000_000_000_001,
        };
        let Inserted::New(row) = status::insert(&conn, &change).expect("insert") else {
            panic!("a new change on {on}");
        };
        assert_eq!(
            status::insert(&conn, &change).expect("again"),
            Inserted::Duplicate,
            "{on}"
        );
        assert_eq!(
            status::open_changes(&conn).expect("open"),
            vec![row.clone()],
            "{on}"
        );
        status::mark_sent(&conn, &[row.id]).expect("sent");
        assert_eq!(
            status::finish(&conn, row.id, "applied", "ok", 3).expect("finish"),
            Some((ana.email.clone(), "k1".into())),
            "{on}"
        );
        assert!(
            status::open_changes(&conn).expect("open").is_empty(),
            "{on}"
        );
        drop(conn);

        let conversation = ConversationFacts {
            id: "c1".into(),
            status: ConversationStatus::Open,
            channel: Some(Channel::Voice),
            menu: Some("Sales".into()),
            voicemail: true,
        };
        store
            .records_remember_conversation("+15550001", &conversation)
            .expect("remember");
        store
            .records_remember_conversation("+15550001", &conversation)
            .expect("again: kept");
        assert_eq!(
            store.records_conversation("c1").expect("read"),
            Some(conversation),
            "{on}"
        );
    }
}

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Forwards `port` to the tests' PostgreSQL until the task is aborted (then every connection drops).
async fn proxy(listener: tokio::net::TcpListener, to: std::net::SocketAddr) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        conns.spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

fn pg_addr_and_db(db: &Database) -> (std::net::SocketAddr, String) {
    // `testing` builds these URLs from CCAI_TEST_PG_URL: postgres://user@127.0.0.1:PORT/NAME.
    let Database::Postgres(url) = db else {
        panic!("a postgres database")
    };
    let after_at = url.rsplit_once('@').map_or(url.as_str(), |(_, r)| r);
    let (host_port, name) = after_at.split_once('/').expect("a database name");
    let name = name.split('?').next().unwrap_or(name).to_owned();
    let port: u16 = host_port
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(5432);
    (([127, 0, 0, 1], port).into(), name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_away_at_start_is_named_without_its_password_and_tried_again() {
    let port = closed_port();
    let db = Database::Postgres(format!("postgres://ccai:s3cret@127.0.0.1:{port}/ccai"));
    let started = Instant::now();
    let err = Store::open_waiting(&db, 1, Duration::from_millis(2_500))
        .await
        .err()
        .expect("nothing listens there");
    let said = err.to_string();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "it tried again before giving up"
    );
    assert!(
        said.contains(&format!("postgres://ccai:***@127.0.0.1:{port}/ccai")),
        "{said}"
    );
    assert!(!said.contains("s3cret"), "{said}");
    assert!(
        said.to_lowercase().contains("refused"),
        "says what failed: {said}"
    );

    // The database comes up while the server waits: it starts on it.
    let (real, name) = pg_addr_and_db(&engines("late").pop().expect("pg").0);
    let port = closed_port();
    let db = Database::Postgres(format!("postgres://ccai@127.0.0.1:{port}/{name}"));
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        proxy(l, real).await
    });
    let store = Store::open_waiting(&db, 1, Duration::from_secs(20))
        .await
        .expect("started once it came up");
    assert_eq!(
        store.schema_version("identity").expect("version"),
        latest("identity")
    );
    late.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_connection_fails_calls_then_is_replaced() {
    let pg = engines("lost").pop().expect("pg").0;
    let (real, name) = pg_addr_and_db(&pg);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    let db = Database::Postgres(format!("postgres://ccai@127.0.0.1:{port}/{name}"));
    let relay = tokio::spawn(proxy(l, real));
    let store = Store::open(&db).expect("open");
    assert_eq!(store.agent("x@example.com").expect("read"), None);

    // The network drops: every connection through the relay goes, and nothing listens for a while.
    relay.abort();
    let _ = relay.await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = store
        .agent("x@example.com")
        .expect_err("the database is away");
    assert!(err.to_string().contains("database"), "{err}");

    // It comes back: within a few seconds the store works again, on a new connection.
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("rebind");
    let relay = tokio::spawn(proxy(l, real));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match store.agent("x@example.com") {
            Ok(v) => {
                assert_eq!(v, None);
                break;
            }
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("not back after 5 s: {e}"),
        }
    }
    relay.abort();
}

/// On PostgreSQL the store is a pool: one connection while the work is one at a time, another only
/// when every open one is busy, never more than asked for, and one busy caller does not hold up
/// another (on the single connection it had before, a long transaction stopped every status change).
#[test]
fn postgres_connections_open_when_every_open_one_is_busy() {
    let pg = engines("pool").pop().expect("pg").0;
    let store = Store::open_pool(&pg, 3).expect("open");
    let backend = |conn: &server::store::db::Conn| -> i64 {
        conn.query_row("SELECT pg_backend_pid()", [], |r| r.get::<_, i64>(0))
            .expect("pid")
    };
    for _ in 0..5 {
        drop(store.lock());
    }
    assert_eq!(store.connections_open(), 1, "one at a time needs one");

    let mut a = store.lock();
    let tx = a.transaction().expect("a long transaction");
    let b = store.lock();
    let c = store.lock();
    assert_eq!(store.connections_open(), 3);
    let pids: std::collections::HashSet<i64> = [backend(&tx), backend(&b), backend(&c)].into();
    assert_eq!(pids.len(), 3, "three callers, three sessions");
    std::thread::scope(|s| {
        let fourth = s.spawn(|| backend(&store.lock()));
        std::thread::sleep(Duration::from_millis(300));
        assert!(!fourth.is_finished(), "a fourth caller waits for one");
        assert_eq!(store.connections_open(), 3, "never more than asked for");
        let freed = backend(&c);
        drop(c);
        assert_eq!(fourth.join().expect("the fourth caller"), freed);
    });
    drop(b);
    drop(tx);
    drop(a);

    let sqlite = engines("pool_sqlite").remove(0);
    let store = Store::open_pool(&sqlite.0, 3).expect("open sqlite");
    drop(store.lock());
    assert_eq!(
        store.connections_open(),
        1,
        "SQLite keeps its one connection"
    );
}

/// The measurement behind the choice in ARCHITECTURE.md ("one layer, two engines"): one indexed read
/// and one upsert, each N times, through raw rusqlite, through the layer on SQLite, and through the
/// layer on PostgreSQL on loopback. `cargo test -p server --test store_backends -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_round_trips() {
    const N: u32 = 2_000;
    let per_call = |started: Instant| started.elapsed().as_secs_f64() * 1e6 / f64::from(N);
    for (db, dir) in engines("measure") {
        let store = Store::open(&db).expect("open");
        let conn = store.lock();
        let t = Instant::now();
        for i in 0..N {
            status::claim(&conn, "ana@example.com", &format!("s{i}"), u64::from(i)).expect("claim");
        }
        let upsert = per_call(t);
        let t = Instant::now();
        for _ in 0..N {
            status::current_epoch(&conn, "ana@example.com").expect("read");
        }
        let read = per_call(t);
        drop(conn);
        println!(
            "layer on {}: upsert {upsert:.1} µs, read {read:.1} µs",
            db.masked()
        );
        if let Database::Sqlite(path) = &db {
            let raw = rusqlite::Connection::open(path).expect("open");
            let t = Instant::now();
            for _ in 0..N {
                let _: i64 = raw
                    .prepare_cached("SELECT epoch FROM owner_epochs WHERE agent_email = ?1")
                    .expect("prepare")
                    .query_row(["ana@example.com"], |r| r.get(0))
                    .expect("read");
            }
            println!(
                "raw rusqlite on {}: read {:.1} µs",
                dir.path().display(),
                per_call(t)
            );
        }
    }
}
