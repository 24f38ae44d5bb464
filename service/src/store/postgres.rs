//! The shared store: one PostgreSQL database used by every service instance (see [`PgStore`]).

use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::{config::SslMode, IsolationLevel, NoTls};

use super::{Acceptance, Bytes32, Decision, StoreError};

/// How many connections one service instance keeps open at most.
const POOL_SIZE: usize = 16;
/// How long a call waits for a free connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);
/// How long opening a connection may take (also tokio-postgres' own connect timeout, unless
/// the URL sets `connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The `application_name` the connections report, unless the URL sets one.
const APPLICATION_NAME: &str = "zkhealth-service";

/// The key of the advisory lock held while migrating: "zkhealth" in ASCII, big-endian.
const MIGRATION_LOCK: i64 = 0x7a6b_6865_616c_7468;

/// The schema's migrations, in order: the `i`-th (from 0) is version `i + 1`. Append only: a
/// migration that has been released is never edited.
const MIGRATIONS: [&str; 1] = [
    // 1: the nullifiers and the challenges.
    "CREATE TABLE nullifiers (
         scope bytea NOT NULL CHECK (octet_length(scope) = 32),
         nullifier bytea NOT NULL CHECK (octet_length(nullifier) = 32),
         accepted_at bigint NOT NULL CHECK (accepted_at >= 0),
         PRIMARY KEY (scope, nullifier)
     );
     CREATE TABLE challenges (
         challenge bytea PRIMARY KEY CHECK (octet_length(challenge) = 32),
         expires_at bigint NOT NULL CHECK (expires_at >= 0),
         used_at bigint NULL CHECK (used_at >= 0)
     );
     CREATE INDEX challenges_unused_by_expiry ON challenges (expires_at) WHERE used_at IS NULL;",
];

/// The table of applied migrations (created outside `MIGRATIONS`, under the lock).
const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS zkhealth_migrations (
     version integer PRIMARY KEY,
     applied_at timestamptz NOT NULL DEFAULT now()
 )";

const INSERT_CHALLENGE: &str = "INSERT INTO challenges (challenge, expires_at) VALUES ($1, $2)";
const INSERT_NULLIFIER: &str = "INSERT INTO nullifiers (scope, nullifier, accepted_at) \
     VALUES ($1, $2, $3) ON CONFLICT (scope, nullifier) DO NOTHING";
const CONSUME_CHALLENGE: &str = "UPDATE challenges SET used_at = $2 \
     WHERE challenge = $1 AND used_at IS NULL AND expires_at > $2 RETURNING challenge";
const CHALLENGE_STATE: &str = "SELECT expires_at, used_at FROM challenges WHERE challenge = $1";
const PRUNE_CHALLENGES: &str = "DELETE FROM challenges WHERE used_at IS NULL AND expires_at <= $1";
const COUNT_NULLIFIERS: &str = "SELECT count(*) FROM nullifiers";

/// The PostgreSQL store: one database shared by every service instance. Clones share one
/// connection pool.
///
/// # Schema
///
/// | table | columns | key |
/// |-------|---------|-----|
/// | `nullifiers` | `scope bytea`, `nullifier bytea`, `accepted_at bigint` | `(scope, nullifier)` |
/// | `challenges` | `challenge bytea`, `expires_at bigint`, `used_at bigint` (null while unused) | `challenge` |
/// | `zkhealth_migrations` | `version integer`, `applied_at timestamptz` | `version` |
///
/// Every `bytea` holds exactly 32 bytes and every time is unix seconds, at least 0 (both
/// enforced by `CHECK` constraints). Times are `u64` in the service and `bigint` in the
/// database: a time above `i64::MAX` is refused, never wrapped.
///
/// # Migrations
///
/// [`PgStore::connect`] brings the schema up to date: the migrations (`MIGRATIONS` in the
/// source, version `i + 1` for the `i`-th) that `zkhealth_migrations` does not list are run in
/// order and recorded in **one** transaction that first takes a transaction-level advisory
/// lock, so instances started at once against one database apply them one after the other (the
/// second finds them applied), and a failed migration leaves nothing behind. A database whose
/// schema is newer than this service knows is refused rather than used under rules it does not
/// know.
///
/// # Why an acceptance is recorded at most once
///
/// [`PgStore::accept`] runs one READ COMMITTED transaction:
///
/// 1. `INSERT INTO nullifiers ... ON CONFLICT (scope, nullifier) DO NOTHING`. The primary key's
///    unique index admits one row per `(scope, nullifier)`, committed or not: an insert that
///    meets another transaction's uncommitted row for the same key **waits** for that
///    transaction, then does nothing if it committed (our answer: [`Decision::NullifierReused`])
///    or inserts if it rolled back. So at most one transaction at a time holds a given
///    nullifier, and once one has committed every later insert sees it.
/// 2. `UPDATE challenges SET used_at = $now WHERE challenge = $1 AND used_at IS NULL AND
///    expires_at > $now`. The update locks the row; a concurrent update of the same challenge
///    waits for the lock, and READ COMMITTED re-evaluates the `WHERE` clause on the row as the
///    first transaction left it: if that one committed, `used_at` is set and the second updates
///    nothing. So at most one transaction consumes a challenge.
/// 3. No row updated: roll back (the nullifier insert is undone) and read the challenge to say
///    why. Otherwise commit, with `synchronous_commit = on` set for the transaction, so the
///    commit has reached the WAL on disk (and any synchronous standby) before
///    [`Decision::Accepted`] is returned, whatever the server's default.
///
/// Every transaction takes the nullifier's lock before the challenge's and none waits on
/// anything once it holds the challenge's, so two acceptances can never wait on each other in
/// a cycle (no deadlock). The isolation level is set explicitly, so a server whose default is
/// `serializable` does not turn races into errors. A transaction dropped before it commits (a
/// cancelled request) is rolled back by tokio-postgres before its connection is used again. If
/// the commit's outcome is unknown (the connection failed during `COMMIT`), the call fails and
/// the acceptance may or may not be recorded: the safe way round, since a retry is then at
/// worst refused as reused.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

/// A time as a `bigint`, or an error if it does not fit one.
fn to_bigint(what: &str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| {
        StoreError::Config(format!(
            "{what} = {value} does not fit PostgreSQL's bigint (at most {})",
            i64::MAX
        ))
    })
}

/// A 32-byte value read back from `table`.
fn to_bytes32(table: &'static str, value: &[u8]) -> Result<Bytes32, StoreError> {
    Bytes32::try_from(value).map_err(|_| StoreError::Corrupt {
        table,
        reason: format!("a 32-byte value has {} bytes", value.len()),
    })
}

/// A tokio-postgres error on one line, with its causes (its `Display` shows only its kind).
fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        );
        if let Some(detail) = db.detail() {
            text.push_str("; ");
            text.push_str(detail);
        }
        return text;
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A database error while doing `context`.
fn pg_error(context: &str) -> impl Fn(tokio_postgres::Error) -> StoreError + '_ {
    move |e| StoreError::Postgres(format!("{context}: {}", describe(&e)))
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` or `postgresql://` URL, or a libpq
    /// key/value string) and brings its schema up to date (see [Migrations](PgStore#migrations)).
    ///
    /// Connections are made without TLS (`sslmode=require` is refused): reach the database
    /// over a private network or a Unix socket (`?host=/run/postgresql`). A URL that cannot be
    /// parsed is [`StoreError::Config`]; a database that cannot be reached or migrated is
    /// [`StoreError::Postgres`].
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        // The URL may hold a password: it is never repeated in an error.
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Config(format!("PostgreSQL URL: {}", describe(&e))))?;
        if config.get_ssl_mode() == SslMode::Require {
            return Err(StoreError::Config(
                "PostgreSQL URL: sslmode=require, but the service connects without TLS (use a \
                 private network or a Unix socket, with sslmode=disable)"
                    .into(),
            ));
        }
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            return Err(StoreError::Config(
                "PostgreSQL URL: no host (give one, or `?host=/path/to/socket/dir`)".into(),
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name(APPLICATION_NAME);
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Config(format!("PostgreSQL connection pool: {e}")))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A connection from the pool.
    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => StoreError::Postgres(format!("connecting: {}", describe(&e))),
            other => StoreError::Postgres(format!("connection pool: {other}")),
        })
    }

    /// Applies the migrations the database lacks, in one transaction under the migration lock.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let txn = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(pg_error("starting the migration transaction"))?;
        txn.batch_execute("SET LOCAL synchronous_commit = on")
            .await
            .map_err(pg_error("migrating"))?;
        // Held until the transaction ends; another instance migrating waits here.
        txn.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg_error("taking the migration lock"))?;
        txn.batch_execute(CREATE_MIGRATIONS_TABLE)
            .await
            .map_err(pg_error("creating zkhealth_migrations"))?;
        let applied = txn
            .query("SELECT version FROM zkhealth_migrations", &[])
            .await
            .map_err(pg_error("reading zkhealth_migrations"))?
            .iter()
            .map(|row| row.try_get::<_, i32>(0))
            .collect::<Result<Vec<i32>, _>>()
            .map_err(pg_error("reading zkhealth_migrations"))?;
        let known = i32::try_from(MIGRATIONS.len())
            .map_err(|_| StoreError::Config("too many migrations".into()))?;
        if let Some(newest) = applied.iter().copied().filter(|v| *v > known).max() {
            return Err(StoreError::Config(format!(
                "the database's schema is at version {newest}, newer than this service's \
                 ({known}): upgrade the service"
            )));
        }
        let mut done = Vec::new();
        for (version, sql) in (1..=known).zip(MIGRATIONS) {
            if applied.contains(&version) {
                continue;
            }
            let context = format!("applying migration {version}");
            txn.batch_execute(sql).await.map_err(pg_error(&context))?;
            txn.execute(
                "INSERT INTO zkhealth_migrations (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(pg_error(&context))?;
            done.push(version);
        }
        txn.commit()
            .await
            .map_err(pg_error("committing the migrations"))?;
        for version in done {
            tracing::info!(version, "applied PostgreSQL schema migration");
        }
        Ok(())
    }

    /// See [`super::Store::issue_challenge`]: a challenge issued before is an error (the
    /// primary key's).
    pub async fn issue_challenge(
        &self,
        challenge: Bytes32,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        let expires_at = to_bigint("expires_at", expires_at)?;
        let client = self.client().await?;
        let statement = client
            .prepare_cached(INSERT_CHALLENGE)
            .await
            .map_err(pg_error("issuing a challenge"))?;
        client
            .execute(&statement, &[&challenge.as_slice(), &expires_at])
            .await
            .map_err(pg_error("issuing a challenge"))?;
        Ok(())
    }

    /// See [`super::Store::accept`]: one READ COMMITTED transaction, committed durably, or
    /// rolled back (see [why it is safe](PgStore#why-an-acceptance-is-recorded-at-most-once)).
    pub async fn accept(&self, a: Acceptance) -> Result<Decision, StoreError> {
        let now = to_bigint("now", a.now)?;
        let context = "recording an acceptance";
        let mut client = self.client().await?;
        let txn = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(pg_error(context))?;
        txn.batch_execute("SET LOCAL synchronous_commit = on")
            .await
            .map_err(pg_error(context))?;

        // The nullifier first: a presentation sent twice is refused as reused.
        let insert = txn
            .prepare_cached(INSERT_NULLIFIER)
            .await
            .map_err(pg_error(context))?;
        let inserted = txn
            .execute(
                &insert,
                &[&a.scope.as_slice(), &a.nullifier.as_slice(), &now],
            )
            .await
            .map_err(pg_error(context))?;
        if inserted == 0 {
            txn.rollback().await.map_err(pg_error(context))?;
            return Ok(Decision::NullifierReused);
        }

        let consume = txn
            .prepare_cached(CONSUME_CHALLENGE)
            .await
            .map_err(pg_error(context))?;
        let consumed = txn
            .query_opt(&consume, &[&a.challenge.as_slice(), &now])
            .await
            .map_err(pg_error(context))?;
        match consumed {
            Some(row) => {
                let returned: &[u8] = row.try_get(0).map_err(pg_error(context))?;
                if to_bytes32("challenges", returned)? != a.challenge {
                    return Err(StoreError::Corrupt {
                        table: "challenges",
                        reason: "the update returned another challenge".into(),
                    });
                }
                txn.commit().await.map_err(pg_error(context))?;
                Ok(Decision::Accepted)
            }
            None => {
                // Undo the nullifier before looking (and release its lock for the others).
                txn.rollback().await.map_err(pg_error(context))?;
                Self::refusal(&client, &a.challenge, now).await
            }
        }
    }

    /// Why the challenge could not be consumed at `now`: read after the rollback, from the
    /// latest committed state (the refusal stands whatever it finds).
    async fn refusal(
        client: &Object,
        challenge: &Bytes32,
        now: i64,
    ) -> Result<Decision, StoreError> {
        let context = "reading a challenge";
        let statement = client
            .prepare_cached(CHALLENGE_STATE)
            .await
            .map_err(pg_error(context))?;
        let Some(row) = client
            .query_opt(&statement, &[&challenge.as_slice()])
            .await
            .map_err(pg_error(context))?
        else {
            return Ok(Decision::ChallengeUnknown);
        };
        let expires_at: i64 = row.try_get(0).map_err(pg_error(context))?;
        let used_at: Option<i64> = row.try_get(1).map_err(pg_error(context))?;
        Ok(if used_at.is_some() {
            Decision::ChallengeUsed
        } else if expires_at <= now {
            Decision::ChallengeExpired
        } else {
            // Unused and unexpired now, so its issue committed after the update looked: it
            // was not issued when this acceptance was decided.
            Decision::ChallengeUnknown
        })
    }

    /// See [`super::Store::prune_challenges`]: deletes the unused challenges with `expires_at
    /// <= now` (a used one stays, so that a late replay is still told it was used).
    pub async fn prune_challenges(&self, now: u64) -> Result<u64, StoreError> {
        let now = to_bigint("now", now)?;
        let client = self.client().await?;
        let statement = client
            .prepare_cached(PRUNE_CHALLENGES)
            .await
            .map_err(pg_error("pruning challenges"))?;
        client
            .execute(&statement, &[&now])
            .await
            .map_err(pg_error("pruning challenges"))
    }

    /// See [`super::Store::nullifier_count`].
    pub async fn nullifier_count(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(COUNT_NULLIFIERS, &[])
            .await
            .map_err(pg_error("counting nullifiers"))?;
        let count: i64 = row.try_get(0).map_err(pg_error("counting nullifiers"))?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt {
            table: "nullifiers",
            reason: format!("count(*) is {count}"),
        })
    }

    /// See [`super::Store::ping`]: a connection is available and the server answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .batch_execute("SELECT 1")
            .await
            .map_err(pg_error("ping"))
    }
}
