//! Where the service keeps what must outlive a request and be shared by every instance: the
//! challenges it issued and the nullifiers it accepted.
//!
//! Two stores, one contract:
//!
//! - [`RedbStore`]: one redb file, nothing to install; one service instance owns it (redb locks
//!   the file).
//! - [`PgStore`]: a PostgreSQL database shared by several instances, with its schema created by
//!   migrations on connection.
//!
//! An acceptance ([`Store::accept`]) is one transaction: the nullifier must be unused in its
//! scope and the challenge issued, unexpired and unused; then the nullifier is inserted and the
//! challenge marked used, and the transaction commits durably before the call returns. Two
//! acceptances of one nullifier, or of one challenge, at once, on any instances, cannot both
//! commit.

mod postgres;
mod redb;

pub use self::postgres::PgStore;
pub use self::redb::RedbStore;

/// A 32-byte value as stored: a challenge, a scope or a nullifier (its canonical big-endian
/// field encoding).
pub type Bytes32 = [u8; 32];

/// A presentation whose proof verified, to be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acceptance {
    /// The verifier's nullifier scope.
    pub scope: Bytes32,
    /// The presentation's nullifier.
    pub nullifier: Bytes32,
    /// The challenge the presentation answers.
    pub challenge: Bytes32,
    /// The service's time, unix seconds: the challenge must not have expired by then.
    pub now: u64,
}

/// What [`Store::accept`] decided. Only [`Decision::Accepted`] wrote anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Recorded: the nullifier is now used and the challenge consumed, durably.
    Accepted,
    /// The nullifier was already used in this scope (checked first: a presentation sent twice
    /// is refused for this, whatever its challenge's state).
    NullifierReused,
    /// The challenge was never issued here (or was pruned after expiring).
    ChallengeUnknown,
    /// The challenge expired before `now`.
    ChallengeExpired,
    /// The challenge was consumed by another presentation.
    ChallengeUsed,
}

/// A store failure: the database could not be reached, read or written. The request that hit
/// it is answered with a server error and nothing is acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The redb file.
    #[error("redb store {path}: {reason}")]
    Redb {
        /// The file.
        path: String,
        /// What redb reported.
        reason: String,
    },
    /// The PostgreSQL database.
    #[error("PostgreSQL store: {0}")]
    Postgres(String),
    /// A connection URL or pool setting that cannot be used.
    #[error("database configuration: {0}")]
    Config(String),
    /// A value in the database that this service did not write (wrong length).
    #[error("corrupt row in the {table} table: {reason}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The service's store: embedded or shared.
#[derive(Clone)]
pub enum Store {
    /// One redb file.
    Redb(RedbStore),
    /// A PostgreSQL database.
    Postgres(PgStore),
}

impl Store {
    /// Opens the store a configuration names: a `postgres://` or `postgresql://` URL, or a path
    /// to a redb file (created if missing).
    pub async fn open(database: &str) -> Result<Self, StoreError> {
        if database.starts_with("postgres://") || database.starts_with("postgresql://") {
            Ok(Store::Postgres(PgStore::connect(database).await?))
        } else {
            Ok(Store::Redb(RedbStore::open(database).await?))
        }
    }

    /// Records a challenge issued now, valid until `expires_at` (unix seconds). Fails if it
    /// was issued before (a 256-bit random value never is).
    pub async fn issue_challenge(
        &self,
        challenge: Bytes32,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        match self {
            Store::Redb(s) => s.issue_challenge(challenge, expires_at).await,
            Store::Postgres(s) => s.issue_challenge(challenge, expires_at).await,
        }
    }

    /// Decides and, when accepted, records an acceptance in one durable transaction (see the
    /// [module docs](self)).
    pub async fn accept(&self, acceptance: Acceptance) -> Result<Decision, StoreError> {
        match self {
            Store::Redb(s) => s.accept(acceptance).await,
            Store::Postgres(s) => s.accept(acceptance).await,
        }
    }

    /// Deletes the challenges that expired before `now` and were never used; returns how many.
    pub async fn prune_challenges(&self, now: u64) -> Result<u64, StoreError> {
        match self {
            Store::Redb(s) => s.prune_challenges(now).await,
            Store::Postgres(s) => s.prune_challenges(now).await,
        }
    }

    /// How many nullifiers are recorded, in every scope.
    pub async fn nullifier_count(&self) -> Result<u64, StoreError> {
        match self {
            Store::Redb(s) => s.nullifier_count().await,
            Store::Postgres(s) => s.nullifier_count().await,
        }
    }

    /// Whether the store answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Redb(_) => Ok(()),
            Store::Postgres(s) => s.ping().await,
        }
    }
}
