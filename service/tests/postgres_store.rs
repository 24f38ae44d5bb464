//! The PostgreSQL store against a real server (started by the tests; see
//! `support/postgres.rs`): every decision, refusals that write nothing, pruning, exactly-once
//! acceptance under concurrency across two instances (two pools), concurrent migrations, and
//! bad URLs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/postgres.rs"]
mod postgres_server;

use std::sync::{
    atomic::{AtomicU32, Ordering},
    Arc, OnceLock,
};

use postgres_server::PgServer;
use tokio::sync::Barrier;
use zkhealth_service::store::{Acceptance, Bytes32, Decision, PgStore, StoreError};

/// One server for the whole file; each test uses its own databases.
fn server() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    SERVER.get_or_init(PgServer::start)
}

/// A new empty database: its URL.
fn fresh_database(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    server().create_database(&format!("{prefix}_{n}"))
}

/// A 32-byte value from a number (distinct numbers, distinct values).
fn b32(tag: u8, n: u32) -> Bytes32 {
    let mut b = [0u8; 32];
    b[0] = tag;
    b[28..].copy_from_slice(&n.to_be_bytes());
    b
}

fn acceptance(nullifier: u32, challenge: u32, now: u64) -> Acceptance {
    Acceptance {
        scope: b32(1, 0),
        nullifier: b32(2, nullifier),
        challenge: b32(3, challenge),
        now,
    }
}

/// A direct connection, for checking the schema behind the store's back.
async fn raw_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decides_each_case_and_a_refusal_writes_nothing() {
    let url = fresh_database("cases");
    let store = PgStore::connect(&url).await.unwrap();
    store.ping().await.unwrap();
    for c in [1, 2, 3, 4] {
        store.issue_challenge(b32(3, c), 100).await.unwrap();
    }
    // A challenge is issued once.
    assert!(matches!(
        store.issue_challenge(b32(3, 1), 100).await,
        Err(StoreError::Postgres(_))
    ));

    assert_eq!(
        store.accept(acceptance(9, 1, 50)).await.unwrap(),
        Decision::Accepted
    );
    assert_eq!(
        store.accept(acceptance(9, 2, 50)).await.unwrap(),
        Decision::NullifierReused
    );
    // The nullifier is checked first, whatever the challenge.
    assert_eq!(
        store.accept(acceptance(9, 77, 50)).await.unwrap(),
        Decision::NullifierReused
    );
    assert_eq!(
        store.accept(acceptance(9, 1, 50)).await.unwrap(),
        Decision::NullifierReused
    );
    assert_eq!(
        store.accept(acceptance(8, 1, 50)).await.unwrap(),
        Decision::ChallengeUsed
    );
    assert_eq!(
        store.accept(acceptance(8, 7, 50)).await.unwrap(),
        Decision::ChallengeUnknown
    );
    assert_eq!(
        store.accept(acceptance(8, 3, 100)).await.unwrap(),
        Decision::ChallengeExpired
    );
    assert_eq!(
        store.accept(acceptance(8, 3, 101)).await.unwrap(),
        Decision::ChallengeExpired
    );
    // The refusals wrote nothing: one nullifier, challenge 2 (refused with nullifier 9) still
    // unused, nullifier 8 (refused three times) still unused.
    assert_eq!(store.nullifier_count().await.unwrap(), 1);
    let mut other_scope = acceptance(9, 2, 50);
    other_scope.scope = b32(1, 1);
    assert_eq!(store.accept(other_scope).await.unwrap(), Decision::Accepted);
    assert_eq!(
        store.accept(acceptance(8, 4, 99)).await.unwrap(),
        Decision::Accepted
    );
    assert_eq!(store.nullifier_count().await.unwrap(), 3);

    // Pruning removes the expired unused challenges only (3 and 5; not 6, unexpired, nor the
    // used 1, 2, 4).
    store.issue_challenge(b32(3, 5), 100).await.unwrap();
    store.issue_challenge(b32(3, 6), 200).await.unwrap();
    assert_eq!(store.prune_challenges(100).await.unwrap(), 2);
    assert_eq!(store.prune_challenges(100).await.unwrap(), 0);
    assert_eq!(
        store.accept(acceptance(10, 3, 50)).await.unwrap(),
        Decision::ChallengeUnknown
    );
    assert_eq!(
        store.accept(acceptance(10, 1, 50)).await.unwrap(),
        Decision::ChallengeUsed
    );
    assert_eq!(
        store.accept(acceptance(10, 6, 150)).await.unwrap(),
        Decision::Accepted
    );

    // Times beyond PostgreSQL's bigint are refused, not wrapped.
    assert!(matches!(
        store.issue_challenge(b32(3, 8), u64::MAX).await,
        Err(StoreError::Config(_))
    ));
    assert!(matches!(
        store.accept(acceptance(11, 6, 1 << 63)).await,
        Err(StoreError::Config(_))
    ));
    assert!(matches!(
        store.prune_challenges(u64::MAX).await,
        Err(StoreError::Config(_))
    ));
    store
        .issue_challenge(b32(3, 9), u64::try_from(i64::MAX).unwrap())
        .await
        .unwrap();

    // Everything is in the database: another connection (a restarted instance) sees it, and
    // its migrations find nothing to do.
    drop(store);
    let reopened = PgStore::connect(&url).await.unwrap();
    assert_eq!(reopened.nullifier_count().await.unwrap(), 4);
    assert_eq!(
        reopened.accept(acceptance(9, 9, 50)).await.unwrap(),
        Decision::NullifierReused
    );
    assert_eq!(
        reopened.accept(acceptance(12, 9, 50)).await.unwrap(),
        Decision::Accepted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_accept_each_nullifier_and_each_challenge_once() {
    const NULLIFIERS: u32 = 200;
    const SUBMISSIONS: u32 = 4;
    let url = fresh_database("race");
    let stores = [
        PgStore::connect(&url).await.unwrap(),
        PgStore::connect(&url).await.unwrap(),
    ];

    // Every submission answers its own challenge, so only the nullifier is contended: exactly
    // one submission per nullifier can be accepted. The submissions of one nullifier are
    // spawned together and spread over both instances.
    let challenge = |n: u32, k: u32| n * SUBMISSIONS + k;
    for n in 0..NULLIFIERS {
        for k in 0..SUBMISSIONS {
            stores[0]
                .issue_challenge(b32(3, challenge(n, k)), 1_000)
                .await
                .unwrap();
        }
    }
    let mut tasks = Vec::new();
    for n in 0..NULLIFIERS {
        for k in 0..SUBMISSIONS {
            let store = stores[((n + k) % 2) as usize].clone();
            let a = acceptance(n, challenge(n, k), 10);
            tasks.push(tokio::spawn(async move {
                (n, k, store.accept(a).await.unwrap())
            }));
        }
    }
    let mut accepted = vec![0u32; NULLIFIERS as usize];
    let mut refused = Vec::new();
    for task in tasks {
        let (n, k, decision) = task.await.unwrap();
        match decision {
            Decision::Accepted => accepted[n as usize] += 1,
            Decision::NullifierReused => refused.push((n, k)),
            other => panic!("nullifier {n}, submission {k}: {other:?}"),
        }
    }
    assert!(accepted.iter().all(|&a| a == 1), "{accepted:?}");
    assert_eq!(refused.len(), (NULLIFIERS * (SUBMISSIONS - 1)) as usize);
    for store in &stores {
        assert_eq!(
            store.nullifier_count().await.unwrap(),
            u64::from(NULLIFIERS)
        );
    }
    // The refused submissions left their challenges unused.
    for (i, (n, k)) in refused.into_iter().enumerate() {
        let fresh = 10_000 + u32::try_from(i).unwrap();
        assert_eq!(
            stores[i % 2]
                .accept(acceptance(fresh, challenge(n, k), 10))
                .await
                .unwrap(),
            Decision::Accepted
        );
    }
    let expected = u64::from(NULLIFIERS * SUBMISSIONS);
    assert_eq!(stores[1].nullifier_count().await.unwrap(), expected);

    // One challenge raced by ten distinct nullifiers, over both instances, started together:
    // exactly one is accepted, the others are told it was used. Twenty rounds.
    const ROUNDS: u32 = 20;
    const RACERS: u32 = 10;
    for round in 0..ROUNDS {
        let contested = 50_000 + round;
        stores[1]
            .issue_challenge(b32(3, contested), 1_000)
            .await
            .unwrap();
        let start = Arc::new(Barrier::new(RACERS as usize));
        let tasks: Vec<_> = (0..RACERS)
            .map(|r| {
                let store = stores[(r % 2) as usize].clone();
                let start = start.clone();
                let a = acceptance(100_000 + round * RACERS + r, contested, 10);
                tokio::spawn(async move {
                    start.wait().await;
                    store.accept(a).await.unwrap()
                })
            })
            .collect();
        let mut decisions = Vec::new();
        for task in tasks {
            decisions.push(task.await.unwrap());
        }
        let accepted = decisions
            .iter()
            .filter(|d| **d == Decision::Accepted)
            .count();
        let used = decisions
            .iter()
            .filter(|d| **d == Decision::ChallengeUsed)
            .count();
        assert_eq!((accepted, used), (1, RACERS as usize - 1), "{decisions:?}");
    }
    assert_eq!(
        stores[0].nullifier_count().await.unwrap(),
        expected + u64::from(ROUNDS)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_migrating_at_once_both_succeed() {
    for _ in 0..5 {
        let url = fresh_database("migrate");
        let (a, b) = tokio::join!(PgStore::connect(&url), PgStore::connect(&url));
        let (a, b) = (a.unwrap(), b.unwrap());
        a.issue_challenge(b32(3, 1), 100).await.unwrap();
        assert_eq!(
            b.accept(acceptance(1, 1, 10)).await.unwrap(),
            Decision::Accepted
        );
        assert_eq!(a.nullifier_count().await.unwrap(), 1);

        // Each migration recorded once, versions 1..=n.
        let client = raw_client(&url).await;
        let row = client
            .query_one(
                "SELECT count(*), count(DISTINCT version), min(version), max(version) \
                 FROM zkhealth_migrations",
                &[],
            )
            .await
            .unwrap();
        let (count, distinct, min, max): (i64, i64, i32, i32) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        assert!(count >= 1);
        assert_eq!((distinct, min, i64::from(max)), (count, 1, count));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_schema_is_refused() {
    let url = fresh_database("newer");
    drop(PgStore::connect(&url).await.unwrap());
    let client = raw_client(&url).await;
    client
        .execute(
            "INSERT INTO zkhealth_migrations (version) VALUES (1000000)",
            &[],
        )
        .await
        .unwrap();
    assert!(matches!(
        PgStore::connect(&url).await,
        Err(StoreError::Config(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_urls_are_errors_not_panics() {
    for url in [
        "postgres://[::1",
        "postgres://localhost:99999/db",
        "postgresql://127.0.0.1/db?sslmode=require",
        "postgres:///db",
        "postgres://127.0.0.1/db?connect_timeout=oops",
    ] {
        match PgStore::connect(url).await {
            Err(StoreError::Config(reason)) => assert!(!reason.is_empty()),
            Err(other) => panic!("{url}: {other}"),
            Ok(_) => panic!("{url}: connected"),
        }
    }
    // Nothing listens on port 1: the connection fails, and the password is not repeated.
    let refused = PgStore::connect("postgres://zk:s3cr3t-pw@127.0.0.1:1/db").await;
    match refused {
        Err(StoreError::Postgres(reason)) => assert!(!reason.contains("s3cr3t-pw"), "{reason}"),
        Err(other) => panic!("port 1: {other}"),
        Ok(_) => panic!("port 1: connected"),
    }
    // A server that refuses the database.
    let missing = format!("{}_does_not_exist", server().url());
    assert!(matches!(
        PgStore::connect(&missing).await,
        Err(StoreError::Postgres(_))
    ));
}

#[test]
fn a_test_server_is_stopped_and_removed_on_drop() {
    let own = PgServer::start();
    own.create_database("scratch");
    let (dir, port) = (own.dir().to_path_buf(), own.port());
    drop(own);
    assert!(!dir.exists(), "{} is left", dir.display());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
