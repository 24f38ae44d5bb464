//! The embedded store ([`RedbStore`]): one redb file owned by one service instance.
//!
//! redb runs one write transaction at a time and commits it durably (`Durability::Immediate`:
//! the file is synced before `commit` returns), so deciding and recording acceptances in one
//! write transaction makes each exactly-once and durable. Acceptances go through one writer
//! thread that commits together those waiting at the same time (group commit: one sync for many
//! acceptances, each decided in order inside the transaction, so the second of two with one
//! nullifier sees the first); every answer waits for the commit. Other calls block on tokio's
//! blocking pool.

use std::{
    path::PathBuf,
    sync::{mpsc, Arc},
};

use tokio::sync::oneshot;

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::{Acceptance, Bytes32, Decision, StoreError};

/// Used nullifiers: (scope ‖ nullifier) → the time of acceptance.
const NULLIFIERS: TableDefinition<&[u8; 64], u64> = TableDefinition::new("nullifiers");
/// Issued challenges: challenge → (expiry, time of use or 0 when unused).
const CHALLENGES: TableDefinition<&[u8; 32], (u64, u64)> = TableDefinition::new("challenges");

/// The most acceptances committed in one transaction.
const GROUP: usize = 256;

/// An acceptance waiting for the writer thread, with where its decision goes.
type Pending = (Acceptance, oneshot::Sender<Result<Decision, StoreError>>);

/// The embedded store: one redb file, one write transaction at a time, each committed durably
/// before it returns. Clones share the open database and its writer thread.
#[derive(Clone)]
pub struct RedbStore {
    db: Arc<Database>,
    path: Arc<PathBuf>,
    writer: mpsc::Sender<Pending>,
}

fn key(scope: &Bytes32, nullifier: &Bytes32) -> [u8; 64] {
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(scope);
    k[32..].copy_from_slice(nullifier);
    k
}

impl RedbStore {
    /// Opens the file at `path`, creating it and its tables if missing. Fails if another
    /// process has it open.
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path: PathBuf = path.into();
        let shown = path.clone();
        tokio::task::spawn_blocking(move || {
            let err = |e: redb::Error| StoreError::Redb {
                path: path.display().to_string(),
                reason: e.to_string(),
            };
            let db = Database::create(&path).map_err(|e| err(e.into()))?;
            let txn = db.begin_write().map_err(|e| err(e.into()))?;
            txn.open_table(NULLIFIERS).map_err(|e| err(e.into()))?;
            txn.open_table(CHALLENGES).map_err(|e| err(e.into()))?;
            txn.commit().map_err(|e| err(e.into()))?;
            let (writer, pending) = mpsc::channel();
            let store = RedbStore {
                db: Arc::new(db),
                path: Arc::new(path),
                writer,
            };
            // The writer holds the database weakly: dropping the last handle closes the file at
            // once, and the thread ends with the channel.
            let (db, path) = (Arc::downgrade(&store.db), store.path.clone());
            std::thread::Builder::new()
                .name("redb-writer".into())
                .spawn(move || write_groups(&db, &path, &pending))
                .map_err(|e| StoreError::Redb {
                    path: store.path.display().to_string(),
                    reason: format!("the writer thread: {e}"),
                })?;
            Ok(store)
        })
        .await
        .map_err(|e| StoreError::Redb {
            path: shown.display().to_string(),
            reason: format!("the opening task failed: {e}"),
        })?
    }

    fn err(&self) -> impl Fn(redb::Error) -> StoreError + '_ {
        move |e| StoreError::Redb {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// Runs `f` with this store on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&RedbStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| StoreError::Redb {
                path: self.path.display().to_string(),
                reason: format!("a store task failed: {e}"),
            })?
    }

    /// See [`super::Store::issue_challenge`].
    pub async fn issue_challenge(
        &self,
        challenge: Bytes32,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        self.blocking(move |s| {
            let err = s.err();
            let txn = s.db.begin_write().map_err(|e| err(e.into()))?;
            {
                let mut table = txn.open_table(CHALLENGES).map_err(|e| err(e.into()))?;
                if table
                    .insert(&challenge, (expires_at, 0))
                    .map_err(|e| err(e.into()))?
                    .is_some()
                {
                    return Err(StoreError::Redb {
                        path: s.path.display().to_string(),
                        reason: "this challenge was issued before".into(),
                    });
                }
            }
            txn.commit().map_err(|e| err(e.into()))
        })
        .await
    }

    /// See [`super::Store::accept`]: decided and recorded in a write transaction committed
    /// durably (with the acceptances waiting at the same time) before the decision returns.
    pub async fn accept(&self, a: Acceptance) -> Result<Decision, StoreError> {
        let stopped = || StoreError::Redb {
            path: self.path.display().to_string(),
            reason: "the writer thread stopped".into(),
        };
        let (reply, decision) = oneshot::channel();
        self.writer.send((a, reply)).map_err(|_| stopped())?;
        decision.await.map_err(|_| stopped())?
    }

    /// See [`super::Store::prune_challenges`].
    pub async fn prune_challenges(&self, now: u64) -> Result<u64, StoreError> {
        self.blocking(move |s| {
            let err = s.err();
            let txn = s.db.begin_write().map_err(|e| err(e.into()))?;
            let before;
            let after;
            {
                let mut table = txn.open_table(CHALLENGES).map_err(|e| err(e.into()))?;
                before = table.len().map_err(|e| err(e.into()))?;
                table
                    .retain(|_, (expires_at, used_at)| used_at != 0 || expires_at > now)
                    .map_err(|e| err(e.into()))?;
                after = table.len().map_err(|e| err(e.into()))?;
            }
            txn.commit().map_err(|e| err(e.into()))?;
            Ok(before.saturating_sub(after))
        })
        .await
    }

    /// See [`super::Store::nullifier_count`].
    pub async fn nullifier_count(&self) -> Result<u64, StoreError> {
        self.blocking(|s| {
            let err = s.err();
            let txn = s.db.begin_read().map_err(|e| err(e.into()))?;
            let table = txn.open_table(NULLIFIERS).map_err(|e| err(e.into()))?;
            table.len().map_err(|e| err(e.into()))
        })
        .await
    }
}

/// The writer thread: takes the first waiting acceptance and those queued behind it (up to
/// [`GROUP`]), decides each in order in one write transaction, commits, then answers each; if the
/// commit fails, every one of them gets the error (nothing of theirs was recorded). Ends when
/// every handle to the store is gone.
fn write_groups(
    db: &std::sync::Weak<Database>,
    path: &std::path::Path,
    pending: &mpsc::Receiver<Pending>,
) {
    while let Ok(first) = pending.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match pending.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let (acceptances, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        // A waiting acceptance's caller holds a handle, so the database is open; the strong
        // handle is let go before anyone is answered.
        let Some(decided) = db.upgrade().map(|db| decide_and_commit(&db, &acceptances)) else {
            return;
        };
        match decided {
            Ok(decisions) => {
                for (reply, decision) in replies.into_iter().zip(decisions) {
                    let _ = reply.send(Ok(decision));
                }
            }
            Err(e) => {
                let reason = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Redb {
                        path: path.display().to_string(),
                        reason: reason.clone(),
                    }));
                }
            }
        }
    }
}

/// Decides each acceptance in order inside one write transaction and commits it.
fn decide_and_commit(db: &Database, group: &[Acceptance]) -> Result<Vec<Decision>, redb::Error> {
    let txn = db.begin_write()?;
    let mut decisions = Vec::with_capacity(group.len());
    {
        let mut nullifiers = txn.open_table(NULLIFIERS)?;
        let mut challenges = txn.open_table(CHALLENGES)?;
        for a in group {
            let k = key(&a.scope, &a.nullifier);
            let decision = if nullifiers.get(&k)?.is_some() {
                Decision::NullifierReused
            } else {
                let state = challenges.get(&a.challenge)?.map(|v| v.value());
                match state {
                    None => Decision::ChallengeUnknown,
                    Some((_, used_at)) if used_at != 0 => Decision::ChallengeUsed,
                    Some((expires_at, _)) if expires_at <= a.now => Decision::ChallengeExpired,
                    Some((expires_at, _)) => {
                        // A used challenge needs a non-zero mark: time 0 is 1970, never a
                        // service's now.
                        challenges.insert(&a.challenge, (expires_at, a.now.max(1)))?;
                        nullifiers.insert(&k, a.now)?;
                        Decision::Accepted
                    }
                }
            };
            decisions.push(decision);
        }
    }
    txn.commit()?;
    Ok(decisions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn acceptance(nullifier: u8, challenge: u8, now: u64) -> Acceptance {
        Acceptance {
            scope: [1; 32],
            nullifier: [nullifier; 32],
            challenge: [challenge; 32],
            now,
        }
    }

    #[tokio::test]
    async fn decides_each_case_and_a_refusal_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.redb");
        let store = RedbStore::open(&path).await.unwrap();
        for c in [1, 2, 3, 4] {
            store.issue_challenge([c; 32], 100).await.unwrap();
        }
        assert!(store.issue_challenge([1; 32], 100).await.is_err());
        assert_eq!(
            store.accept(acceptance(9, 1, 50)).await.unwrap(),
            Decision::Accepted
        );
        assert_eq!(
            store.accept(acceptance(9, 2, 50)).await.unwrap(),
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
        // Another scope has its own nullifiers.
        let mut other = acceptance(9, 2, 50);
        other.scope = [2; 32];
        assert_eq!(store.accept(other).await.unwrap(), Decision::Accepted);
        assert_eq!(store.nullifier_count().await.unwrap(), 2);
        // Challenge 4 was untouched by the refusals: still usable until it expires.
        assert_eq!(store.prune_challenges(100).await.unwrap(), 2);
        assert_eq!(
            store.accept(acceptance(8, 3, 50)).await.unwrap(),
            Decision::ChallengeUnknown
        );
        assert_eq!(
            store.accept(acceptance(8, 1, 50)).await.unwrap(),
            Decision::ChallengeUsed
        );
        drop(store);
        let reopened = RedbStore::open(&path).await.unwrap();
        assert_eq!(reopened.nullifier_count().await.unwrap(), 2);
    }

    #[tokio::test]
    async fn one_nullifier_raced_many_times_is_accepted_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dir.path().join("s.redb")).await.unwrap();
        for c in 0..40u8 {
            store.issue_challenge([c; 32], 1_000).await.unwrap();
        }
        let tasks: Vec<_> = (0..40u8)
            .map(|c| {
                let s = store.clone();
                tokio::spawn(async move { s.accept(acceptance(c / 4, c, 10)).await.unwrap() })
            })
            .collect();
        let mut accepted = 0;
        for t in tasks {
            if t.await.unwrap() == Decision::Accepted {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 10);
        assert_eq!(store.nullifier_count().await.unwrap(), 10);
    }
}
