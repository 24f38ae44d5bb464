//! The issuer's registry, persisted in a [redb](https://docs.rs/redb) database.
//!
//! [`RegistryStore`] keeps a [`Registry`] (the Merkle tree of credential commitments and the
//! history of its roots) in one file, so an issuer can append and revoke across runs of the CLI
//! or of a service. The whole registry is loaded into memory when the store is opened; each
//! mutation is validated first, written through in **one** redb transaction, and applied to the
//! in-memory registry only after that transaction has committed, so memory never holds a state
//! the file does not. Invalidated roots and issuer rotations are kept too
//! ([`RegistryStore::invalidate_root`], [`RegistryStore::rotate_issuer`]).
//!
//! # Tables
//!
//! | table | key | value |
//! |-------|-----|-------|
//! | `meta` | `"format"`, `"depth"`, `"window_secs"`, `"issuer"` | `[3]` (unsealed), `u32` BE, `u64` BE, UTF-8 |
//! | `leaves` | leaf index (`u64`) | 32-byte big-endian field element (`0` for a revoked leaf) |
//! | `roots` | position in the history (`u64`) | `published_at` (`u64` BE) ‖ replaced flag (`0`/`1`) ‖ `replaced_at` (`u64` BE, `0` when not replaced) ‖ root (32 bytes BE) |
//! | `invalidations` | position of the invalidated root's latest entry (`u64`) | `invalidated_at` (`u64` BE) |
//! | `rotations` | rotation number (`u64`, from 0) | `at` (`u64` BE) ‖ invalidate-previous flag (`0`/`1`) ‖ number of entries published before it (`u64` BE) |
//!
//! An entry's epoch is the number of rotations made before it was published.
//!
//! # Seals
//!
//! In format 3 every value but the format's own is followed by its **seal**: the first 8 bytes
//! of SHA-256 over `zkhealth/registry-row/v1`, the table's name, a zero byte, the key's bytes
//! (`u64` keys big-endian, names as UTF-8) and the value. A historical root is not implied by the
//! current leaves, so without the seal a changed byte in one would pass every other check; redb's
//! own page checksums are verified only by a writer's open, while every open, read-only included,
//! checks the seals. Formats 1 and 2 (what earlier versions wrote: format 1 before the first
//! invalidation or rotation, format 2 after) hold no seals; a read-only open reads them as they
//! are, and a writer's open seals every row in one transaction after redb has verified the file,
//! moving it to format 3, which earlier versions refuse instead of misreading.
//!
//! Every value is decoded strictly when the store is opened: a seal that does not match, wrong
//! lengths, non-canonical field elements, gaps in the indices, or a history that does not replay
//! to what is stored or does not end at the tree's root are [`StoreError::Corrupt`], never a
//! panic.
//!
//! ```no_run
//! use zkhealth_registry::store::RegistryStore;
//! # fn main() -> Result<(), zkhealth_registry::store::StoreError> {
//! # let commitment = zkhealth_circuits::Fr::from(7u8);
//! let mut store = RegistryStore::open_or_create("registry.redb", 16, 3600)?;
//! let index = store.append(commitment, 1_750_000_000)?;
//! let path = store.path(index)?; // for the holder
//! let roots = store.history().clone(); // for verifiers (publish on chain)
//! # let _ = (path, roots);
//! # Ok(()) }
//! ```

use std::{
    cell::Cell,
    fs::{File, OpenOptions, TryLockError},
    panic::{self, AssertUnwindSafe},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use redb::{
    Database, ReadOnlyDatabase, ReadableDatabase, ReadableTable, TableDefinition, TableHandle,
};
use sha2::{Digest, Sha256};
use thiserror::Error;
use zkhealth_circuits::{
    codes,
    field::{fr_from_bytes_be, fr_to_bytes_be, fr_to_hex},
    merkle::{MerklePath, MerkleTree},
    Fr,
};

use crate::{Change, IssuerRotation, Registry, RegistryError, RootEntry, RootHistory};

/// Registry metadata: format version, depth, freshness window, issuer id.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Leaves by index.
const LEAVES: TableDefinition<u64, &[u8]> = TableDefinition::new("leaves");
/// Root-history entries by position.
const ROOTS: TableDefinition<u64, &[u8]> = TableDefinition::new("roots");
/// Invalidation times by the position of the invalidated root's entry.
const INVALIDATIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("invalidations");
/// Issuer rotations by number.
const ROTATIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("rotations");

const KEY_FORMAT: &str = "format";
const KEY_DEPTH: &str = "depth";
const KEY_WINDOW: &str = "window_secs";
const KEY_ISSUER: &str = "issuer";

/// The on-disk format version this code writes: every value sealed (see [Seals](self#seals)).
/// It also reads [`STORE_FORMAT_V1`] and [`STORE_FORMAT_V2`], and a writer's open moves them to
/// this one.
pub const STORE_FORMAT: u8 = 3;

/// The first on-disk format version (no invalidations, no rotations, no seals).
pub const STORE_FORMAT_V1: u8 = 1;

/// The second on-disk format version (invalidations and rotations, no seals).
pub const STORE_FORMAT_V2: u8 = 2;

/// Length of a value's seal.
const SEAL_LEN: usize = 8;
/// The domain of the seals.
const SEAL_DOMAIN: &[u8] = b"zkhealth/registry-row/v1";

/// Length of an encoded root-history entry.
const ENTRY_LEN: usize = 8 + 1 + 8 + 32;
/// Length of an encoded rotation.
const ROTATION_LEN: usize = 8 + 1 + 8;

/// Everything that can go wrong with a registry store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("registry database {path}: {source}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// What redb reported.
        #[source]
        source: Box<redb::Error>,
    },
    /// The file holds a registry of another depth than the one asked for.
    #[error(
        "registry database {path} has depth {stored}, not {requested} (one registry, one depth)"
    )]
    DepthMismatch {
        /// The database file.
        path: PathBuf,
        /// The depth stored in the file.
        stored: u32,
        /// The depth asked for.
        requested: u32,
    },
    /// The file holds a registry with another freshness window than the one asked for.
    #[error("registry database {path} has a freshness window of {stored} s, not {requested} s")]
    WindowMismatch {
        /// The database file.
        path: PathBuf,
        /// The window stored in the file.
        stored: u64,
        /// The window asked for.
        requested: u64,
    },
    /// The registry belongs to another issuer.
    #[error("registry database {path} belongs to issuer {stored:?}, not {requested:?}")]
    IssuerMismatch {
        /// The database file.
        path: PathBuf,
        /// The issuer stored in the file.
        stored: String,
        /// The issuer asked for.
        requested: String,
    },
    /// There is no registry database at this path.
    #[error("no registry database at {0} (create one with `zkhealth issue`)")]
    NotFound(PathBuf),
    /// The file is a redb database but its contents are not a valid registry.
    #[error("registry database {path} is corrupt: {reason}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another process kept the registry open (for writing, or for reading while this one
    /// would write) for longer than [`LOCK_WAIT`].
    #[error(
        "registry database {path} is in use by another process (waited {waited_secs} s); try \
         again once it has finished"
    )]
    Busy {
        /// The database file.
        path: PathBuf,
        /// How long the open waited.
        waited_secs: u64,
    },
    /// The lock file beside the registry could not be opened or locked.
    #[error("registry lock {path}: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// What the system reported.
        #[source]
        source: std::io::Error,
    },
    /// A change was asked of a registry opened read-only ([`RegistryStore::open_read_only`]).
    #[error("registry database {0} was opened read-only")]
    ReadOnly(PathBuf),
    /// The registry refused the operation (tree full, leaf already revoked, time going back...).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The issuer id cannot be encoded as a code.
    #[error("issuer id: {0}")]
    InvalidIssuer(#[from] zkhealth_circuits::Error),
}

thread_local! {
    /// How many [`guarded`] calls this thread is inside.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread is inside a store call that turns a panic of the database engine into
/// [`StoreError::Corrupt`]: a program's panic hook may stay silent for such a panic, since the
/// caller receives it as an error.
pub fn converting_panics() -> bool {
    GUARDED.with(|g| g.get() > 0)
}

/// Runs `f`, turning a panic (redb panics on some corrupted files instead of returning an
/// error) into [`StoreError::Corrupt`]. The in-memory registry is changed only after a commit
/// returned, so a panic inside a transaction leaves it as it was.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get() - 1));
    result.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("the database engine failed on the file's contents ({what})"),
        })
    })
}

/// The issuer's registry, persisted in a redb database (see the [module docs](self)).
#[derive(Debug)]
pub struct RegistryStore {
    // Declared before the lock: the database closes before the lock is released.
    db: Handle,
    file: PathBuf,
    registry: Registry,
    issuer: Option<String>,
    _lock: Option<File>,
}

/// The database, open for writing or read-only.
enum Handle {
    Writable(Database),
    ReadOnly(ReadOnlyDatabase),
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Handle::Writable(db) => f.debug_tuple("Writable").field(db).finish(),
            Handle::ReadOnly(_) => f.write_str("ReadOnly(..)"),
        }
    }
}

impl Handle {
    fn reader(&self) -> &dyn ReadableDatabase {
        match self {
            Handle::Writable(db) => db,
            Handle::ReadOnly(db) => db,
        }
    }
}

/// How long an open waits for another process that has the registry open (writing, or reading
/// while this one would write) before giving up with [`StoreError::Busy`].
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

/// How a writer opens the database: redb verifies the checksum of every page of the committed
/// trees first, so a file altered since redb wrote it (a historical root included, which nothing
/// else could tell apart from a genuine one) fails to open instead of being trusted.
fn writer_builder() -> redb::Builder {
    let mut builder = redb::Builder::new();
    builder.set_check_integrity_on_open(true);
    builder
}

/// The lock beside a registry file (`<file>.lock`): writers hold it exclusively and readers
/// shared, so that a second `issue` waits for the first instead of failing, and a reader never
/// sees the database half-opened by a writer. Released by the system if the process dies.
fn lock_file(path: &Path, exclusive: bool) -> Result<Option<File>, StoreError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = path.with_file_name(name);
    let file = match OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
    {
        Ok(file) => file,
        // A reader of a registry in a read-only place goes without (redb itself still keeps
        // writers out while it reads).
        Err(e)
            if !exclusive
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
        {
            return Ok(None)
        }
        Err(source) => {
            return Err(StoreError::Lock {
                path: lock_path,
                source,
            })
        }
    };
    let start = Instant::now();
    loop {
        let attempt = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match attempt {
            Ok(()) => return Ok(Some(file)),
            Err(TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Busy {
                    path: path.to_path_buf(),
                    waited_secs: LOCK_WAIT.as_secs(),
                })
            }
            Err(TryLockError::Error(source)) => {
                return Err(StoreError::Lock {
                    path: lock_path,
                    source,
                })
            }
        }
    }
}

/// Wraps any redb error with the database's path.
fn db_err(path: &Path) -> impl Fn(redb::Error) -> StoreError + '_ {
    move |e| StoreError::Database {
        path: path.to_path_buf(),
        source: Box::new(e),
    }
}

/// Converts a redb sub-error (`DatabaseError`, `TransactionError`, ...) to a [`StoreError`].
trait OrDb<T> {
    fn or_db(self, path: &Path) -> Result<T, StoreError>;
}

impl<T, E: Into<redb::Error>> OrDb<T> for Result<T, E> {
    fn or_db(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| db_err(path)(e.into()))
    }
}

impl RegistryStore {
    /// Opens the registry at `path`, or creates an empty one of depth `depth` whose replaced roots
    /// stay accepted for `window_secs` seconds. An existing registry must have the same depth
    /// ([`StoreError::DepthMismatch`]) and window ([`StoreError::WindowMismatch`]).
    pub fn open_or_create(
        path: impl AsRef<Path>,
        depth: u32,
        window_secs: u64,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref();
        guarded(path, || {
            Self::open_or_create_unguarded(path, depth, window_secs)
        })
    }

    fn open_or_create_unguarded(
        path: &Path,
        depth: u32,
        window_secs: u64,
    ) -> Result<Self, StoreError> {
        // Validate the depth before creating anything on disk.
        Registry::new(depth, window_secs)?;
        let lock = lock_file(path, true)?;
        let db = writer_builder().create(path).or_db(path)?;
        let txn = db.begin_write().or_db(path)?;
        {
            let mut meta = txn.open_table(META).or_db(path)?;
            let fresh = meta.get(KEY_FORMAT).or_db(path)?.is_none();
            if fresh {
                meta.insert(KEY_FORMAT, [STORE_FORMAT].as_slice())
                    .or_db(path)?;
                put_meta(&mut meta, KEY_DEPTH, &depth.to_be_bytes(), path)?;
                put_meta(&mut meta, KEY_WINDOW, &window_secs.to_be_bytes(), path)?;
            }
            txn.open_table(LEAVES).or_db(path)?;
            txn.open_table(ROOTS).or_db(path)?;
            txn.open_table(INVALIDATIONS).or_db(path)?;
            txn.open_table(ROTATIONS).or_db(path)?;
        }
        txn.commit().or_db(path)?;
        seal_legacy(&db, path)?;
        let store = Self::from_db(Handle::Writable(db), path, lock)?;
        if store.depth() != depth {
            return Err(StoreError::DepthMismatch {
                path: path.to_path_buf(),
                stored: store.depth(),
                requested: depth,
            });
        }
        if store.window_secs() != window_secs {
            return Err(StoreError::WindowMismatch {
                path: path.to_path_buf(),
                stored: store.window_secs(),
                requested: window_secs,
            });
        }
        Ok(store)
    }

    /// Opens an existing registry for reading and writing, whatever its depth and window;
    /// waits (up to [`LOCK_WAIT`]) while another process has it open.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        guarded(path, || Self::open_unguarded(path))
    }

    fn open_unguarded(path: &Path) -> Result<Self, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_path_buf()));
        }
        let lock = lock_file(path, true)?;
        let db = writer_builder().open(path).or_db(path)?;
        seal_legacy(&db, path)?;
        Self::from_db(Handle::Writable(db), path, lock)
    }

    /// Opens an existing registry read-only (a file or directory without write permission
    /// will do): every change fails with [`StoreError::ReadOnly`]. Waits (up to [`LOCK_WAIT`])
    /// while a writer has it open; readers share it. A file a killed writer left unrepaired is
    /// reopened for writing once, which repairs it, if that is allowed.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        guarded(path, || {
            if !path.is_file() {
                return Err(StoreError::NotFound(path.to_path_buf()));
            }
            let lock = lock_file(path, false)?;
            match ReadOnlyDatabase::open(path) {
                Ok(db) => Self::from_db(Handle::ReadOnly(db), path, lock),
                Err(redb::DatabaseError::RepairAborted) => {
                    drop(lock);
                    // The repair writes; the writer's open takes the exclusive lock.
                    drop(Self::open_unguarded(path)?);
                    let lock = lock_file(path, false)?;
                    let db = ReadOnlyDatabase::open(path).or_db(path)?;
                    Self::from_db(Handle::ReadOnly(db), path, lock)
                }
                Err(e) => Err(e).or_db(path),
            }
        })
    }

    fn from_db(db: Handle, path: &Path, lock: Option<File>) -> Result<Self, StoreError> {
        let (registry, issuer) = read(db.reader(), path)?;
        Ok(RegistryStore {
            db,
            file: path.to_path_buf(),
            registry,
            issuer,
            _lock: lock,
        })
    }

    /// The database for a change, or [`StoreError::ReadOnly`].
    fn writable(&self) -> Result<&Database, StoreError> {
        match &self.db {
            Handle::Writable(db) => Ok(db),
            Handle::ReadOnly(_) => Err(StoreError::ReadOnly(self.file.clone())),
        }
    }

    /// The database file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The in-memory registry (always equal to what is committed on disk).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry's depth.
    pub fn depth(&self) -> u32 {
        self.registry.tree().depth()
    }

    /// The freshness window of replaced roots, in seconds.
    pub fn window_secs(&self) -> u64 {
        self.registry.history().window_secs()
    }

    /// The number of leaves appended so far (revoked ones included).
    pub fn len(&self) -> u64 {
        self.registry.tree().len()
    }

    /// Whether nothing has been appended yet.
    pub fn is_empty(&self) -> bool {
        self.registry.tree().is_empty()
    }

    /// The issuer this registry belongs to, once recorded.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Records the issuer this registry belongs to; succeeds without writing if it is already
    /// recorded, and fails with [`StoreError::IssuerMismatch`] if another issuer is.
    pub fn bind_issuer(&mut self, issuer: &str) -> Result<(), StoreError> {
        codes::encode(issuer)?;
        match &self.issuer {
            Some(stored) if stored == issuer => return Ok(()),
            Some(stored) => {
                return Err(StoreError::IssuerMismatch {
                    path: self.file.clone(),
                    stored: stored.clone(),
                    requested: issuer.into(),
                })
            }
            None => {}
        }
        let path = self.file.as_path();
        guarded(path, || {
            let txn = self.writable()?.begin_write().or_db(path)?;
            {
                let mut meta = txn.open_table(META).or_db(path)?;
                put_meta(&mut meta, KEY_ISSUER, issuer.as_bytes(), path)?;
            }
            txn.commit().or_db(path)
        })?;
        self.issuer = Some(issuer.into());
        Ok(())
    }

    /// The current root.
    pub fn root(&self) -> Fr {
        self.registry.root()
    }

    /// The history of published roots (what verifiers accept).
    pub fn history(&self) -> &RootHistory {
        self.registry.history()
    }

    /// The authentication path of the appended leaf at `index` (for its holder).
    pub fn path(&self, index: u64) -> Result<MerklePath, StoreError> {
        Ok(self.registry.path(index)?)
    }

    /// Appends a commitment at time `now` (unix seconds) and publishes the new root; returns the
    /// leaf index. Nothing changes, on disk or in memory, if it fails.
    pub fn append(&mut self, commitment: Fr, now: u64) -> Result<u64, StoreError> {
        let change = self.registry.prepare_append(commitment, now)?;
        self.commit(&change)?;
        Ok(change.index)
    }

    /// Revokes the leaf at `index` at time `now` (unix seconds): sets it to the empty value and
    /// publishes the new root. Fails, changing nothing, if the leaf was not appended or is
    /// already revoked.
    pub fn revoke(&mut self, index: u64, now: u64) -> Result<(), StoreError> {
        let change = self.registry.prepare_revoke(index, now)?;
        self.commit(&change)
    }

    /// Publishes the tree's root at time `now` (unix seconds) if it is not current, after an
    /// invalidation or an issuer rotation left no current root; returns whether anything was
    /// published. Fails, changing nothing, if the tree's root was invalidated (a change to the
    /// tree gives the next root to publish).
    pub fn publish_root(&mut self, now: u64) -> Result<bool, StoreError> {
        let entries = self.registry.prepare_publish(now)?;
        if entries.is_empty() {
            return Ok(false);
        }
        let path = self.file.as_path();
        guarded(path, || {
            let txn = self.writable()?.begin_write().or_db(path)?;
            {
                let mut roots = txn.open_table(ROOTS).or_db(path)?;
                write_entries(&mut roots, &entries, path)?;
            }
            txn.commit().or_db(path)
        })?;
        let root = self.registry.root();
        self.after_commit(root, |registry| registry.publish_root(now).map(|_| ()))?;
        Ok(true)
    }

    /// Withdraws a published root at time `now` (unix seconds), as the registry contract's
    /// `invalidateRoot`: it is never accepted or published again; if it is the current root,
    /// there is no current root until the next publication. Fails, changing nothing, if the root
    /// was never published or is invalidated already.
    pub fn invalidate_root(&mut self, root: Fr, now: u64) -> Result<(), StoreError> {
        let (position, _) = self.registry.history().invalidation(root, now)?;
        let path = self.file.as_path();
        guarded(path, || {
            let txn = self.writable()?.begin_write().or_db(path)?;
            {
                let mut invalidations = txn.open_table(INVALIDATIONS).or_db(path)?;
                put(&mut invalidations, position, &now.to_be_bytes(), path)?;
            }
            txn.commit().or_db(path)
        })?;
        self.after_commit(root, |registry| registry.invalidate_root(root, now))
    }

    /// Records the appointment of a new issuer at time `now` (unix seconds), as the registry
    /// contract's `setIssuer(newIssuer, invalidatePrevious)`; returns the new epoch. With
    /// `invalidate_previous`, every root published before is refused from now on and there is
    /// no current root until the next publication ([`Self::publish_root`]).
    pub fn rotate_issuer(
        &mut self,
        now: u64,
        invalidate_previous: bool,
    ) -> Result<u64, StoreError> {
        let history = self.registry.history();
        let rotation = history.rotation(now, invalidate_previous)?;
        let number = history.rotations().len() as u64;
        let before = history.entries().len() as u64;
        let path = self.file.as_path();
        guarded(path, || {
            let txn = self.writable()?.begin_write().or_db(path)?;
            {
                let mut rotations = txn.open_table(ROTATIONS).or_db(path)?;
                let value = encode_rotation(rotation.at, rotation.invalidate_previous, before);
                put(&mut rotations, number, &value, path)?;
            }
            txn.commit().or_db(path)
        })?;
        let root = self.registry.root();
        self.after_commit(root, |registry| {
            registry.rotate_issuer(now, invalidate_previous).map(|_| ())
        })?;
        Ok(self.registry.history().epoch())
    }

    /// Writes a prepared change (the leaf and the root-history entries) in one transaction,
    /// then applies it to the in-memory registry.
    fn commit(&mut self, change: &Change) -> Result<(), StoreError> {
        let path = self.file.as_path();
        guarded(path, || {
            let txn = self.writable()?.begin_write().or_db(path)?;
            {
                let mut leaves = txn.open_table(LEAVES).or_db(path)?;
                put(
                    &mut leaves,
                    change.index,
                    &fr_to_bytes_be(&change.leaf),
                    path,
                )?;
                let mut roots = txn.open_table(ROOTS).or_db(path)?;
                write_entries(&mut roots, &change.entries, path)?;
            }
            txn.commit().or_db(path)
        })?;
        self.after_commit(change.root, |registry| {
            registry.apply(change)?;
            if registry.root() == change.root {
                Ok(())
            } else {
                Err(RegistryError::StaleChange {
                    index: change.index,
                })
            }
        })
    }

    /// Applies a committed operation to the in-memory registry. If that fails (which checking
    /// the operation on this very registry first rules out), memory is reloaded from disk and
    /// the divergence reported.
    fn after_commit(
        &mut self,
        root: Fr,
        apply: impl FnOnce(&mut Registry) -> Result<(), RegistryError>,
    ) -> Result<(), StoreError> {
        if apply(&mut self.registry).is_ok() {
            return Ok(());
        }
        let (registry, issuer) = read(self.db.reader(), &self.file)?;
        self.registry = registry;
        self.issuer = issuer;
        Err(StoreError::Corrupt {
            path: self.file.clone(),
            reason: format!(
                "in-memory registry diverged from the committed state at root {}; reloaded from \
                 disk",
                fr_to_hex(&root)
            ),
        })
    }
}

/// Writes root-history entries at their positions.
fn write_entries(
    roots: &mut redb::Table<u64, &[u8]>,
    entries: &[(u64, RootEntry)],
    path: &Path,
) -> Result<(), StoreError> {
    for (position, entry) in entries {
        put(roots, *position, &encode_entry(entry), path)?;
    }
    Ok(())
}

/// The seal of a value stored under `key` in `table` (see [Seals](self#seals)).
fn seal(table: &str, key: &[u8], value: &[u8]) -> [u8; SEAL_LEN] {
    let digest = Sha256::new()
        .chain_update(SEAL_DOMAIN)
        .chain_update(table.as_bytes())
        .chain_update([0u8])
        .chain_update(key)
        .chain_update(value)
        .finalize();
    let mut out = [0u8; SEAL_LEN];
    out.copy_from_slice(&digest[..SEAL_LEN]);
    out
}

/// `value` followed by its seal.
fn sealed(table: &str, key: &[u8], value: &[u8]) -> Vec<u8> {
    [value, seal(table, key, value).as_slice()].concat()
}

/// The value inside a stored one: checked against its seal and stripped of it when the store
/// is sealed, as it is otherwise.
fn unseal<'a>(table: &str, key: &[u8], stored: &'a [u8], sealed: bool) -> Result<&'a [u8], String> {
    if !sealed {
        return Ok(stored);
    }
    let Some((value, found)) = stored.split_last_chunk::<SEAL_LEN>() else {
        return Err(format!("{} bytes, too short to be sealed", stored.len()));
    };
    if *found != seal(table, key, value) {
        return Err("its seal does not match (the value was changed)".into());
    }
    Ok(value)
}

/// Writes a sealed value under a `u64` key.
fn put(
    table: &mut redb::Table<u64, &[u8]>,
    key: u64,
    value: &[u8],
    path: &Path,
) -> Result<(), StoreError> {
    let stored = sealed(table.name(), &key.to_be_bytes(), value);
    table.insert(key, stored.as_slice()).or_db(path)?;
    Ok(())
}

/// Writes a sealed metadata value.
fn put_meta(
    meta: &mut redb::Table<&str, &[u8]>,
    key: &str,
    value: &[u8],
    path: &Path,
) -> Result<(), StoreError> {
    let stored = sealed(META.name(), key.as_bytes(), value);
    meta.insert(key, stored.as_slice()).or_db(path)?;
    Ok(())
}

/// Moves a store written in format 1 or 2 to format [`STORE_FORMAT`]: every row sealed, in one
/// transaction. Called by a writer's open only, after redb has verified the file's checksums,
/// so what is sealed is what was written.
fn seal_legacy(db: &Database, path: &Path) -> Result<(), StoreError> {
    let txn = db.begin_write().or_db(path)?;
    {
        let mut meta = txn.open_table(META).or_db(path)?;
        let format = meta
            .get(KEY_FORMAT)
            .or_db(path)?
            .map(|v| v.value().to_vec());
        if !matches!(format.as_deref(), Some([STORE_FORMAT_V1 | STORE_FORMAT_V2])) {
            // Already sealed, or not a registry (which reading reports).
            return Ok(());
        }
        let mut rows = Vec::new();
        for item in meta.iter().or_db(path)? {
            let (k, v) = item.or_db(path)?;
            if k.value() != KEY_FORMAT {
                rows.push((k.value().to_string(), v.value().to_vec()));
            }
        }
        for (key, value) in rows {
            put_meta(&mut meta, &key, &value, path)?;
        }
        meta.insert(KEY_FORMAT, [STORE_FORMAT].as_slice())
            .or_db(path)?;
        for definition in [LEAVES, ROOTS, INVALIDATIONS, ROTATIONS] {
            let mut table = txn.open_table(definition).or_db(path)?;
            let mut rows = Vec::new();
            for item in table.iter().or_db(path)? {
                let (k, v) = item.or_db(path)?;
                rows.push((k.value(), v.value().to_vec()));
            }
            for (key, value) in rows {
                put(&mut table, key, &value, path)?;
            }
        }
    }
    txn.commit().or_db(path)
}

/// Reads and validates everything in the database: the registry and the issuer id.
fn read(db: &dyn ReadableDatabase, path: &Path) -> Result<(Registry, Option<String>), StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let txn = db.begin_read().or_db(path)?;
    let meta = txn
        .open_table(META)
        .map_err(|e| corrupt(format!("no metadata table ({e})")))?;
    let format = match meta
        .get(KEY_FORMAT)
        .or_db(path)?
        .map(|v| v.value().to_vec())
    {
        Some(f)
            if matches!(
                f.as_slice(),
                [STORE_FORMAT_V1 | STORE_FORMAT_V2 | STORE_FORMAT]
            ) =>
        {
            f[0]
        }
        Some(other) => return Err(corrupt(format!("unknown format version {other:?}"))),
        None => return Err(corrupt("no format version".into())),
    };
    let is_sealed = format == STORE_FORMAT;
    let get = |key: &str| -> Result<Option<Vec<u8>>, StoreError> {
        match meta.get(key).or_db(path)? {
            None => Ok(None),
            Some(v) => unseal(META.name(), key.as_bytes(), v.value(), is_sealed)
                .map(|value| Some(value.to_vec()))
                .map_err(|r| corrupt(format!("metadata {key:?}: {r}"))),
        }
    };
    let depth = get(KEY_DEPTH)?
        .and_then(|v| <[u8; 4]>::try_from(v.as_slice()).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| corrupt("depth is missing or not 4 bytes".into()))?;
    let window_secs = get(KEY_WINDOW)?
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| corrupt("freshness window is missing or not 8 bytes".into()))?;
    let issuer = match get(KEY_ISSUER)? {
        None => None,
        Some(bytes) => {
            let s =
                String::from_utf8(bytes).map_err(|_| corrupt("issuer id is not UTF-8".into()))?;
            codes::encode(&s).map_err(|e| corrupt(format!("issuer id: {e}")))?;
            Some(s)
        }
    };

    let leaves_table = txn
        .open_table(LEAVES)
        .map_err(|e| corrupt(format!("no leaves table ({e})")))?;
    let mut leaves = Vec::new();
    for (i, item) in leaves_table.iter().or_db(path)?.enumerate() {
        let (k, v) = item.or_db(path)?;
        let index = k.value();
        if index != i as u64 {
            return Err(corrupt(format!(
                "leaf {i} is missing (next stored: {index})"
            )));
        }
        let value = unseal(LEAVES.name(), &index.to_be_bytes(), v.value(), is_sealed)
            .map_err(|r| corrupt(format!("leaf {index}: {r}")))?;
        let bytes = <&[u8; 32]>::try_from(value)
            .map_err(|_| corrupt(format!("leaf {index} is not 32 bytes")))?;
        let leaf = fr_from_bytes_be(bytes).map_err(|e| corrupt(format!("leaf {index}: {e}")))?;
        leaves.push(leaf);
    }
    let tree = MerkleTree::from_leaves(depth, &leaves)
        .map_err(|e| corrupt(format!("leaves do not form a tree of depth {depth}: {e}")))?;

    let roots_table = txn
        .open_table(ROOTS)
        .map_err(|e| corrupt(format!("no root-history table ({e})")))?;
    let mut stored = Vec::new();
    for (i, item) in roots_table.iter().or_db(path)?.enumerate() {
        let (k, v) = item.or_db(path)?;
        let pos = k.value();
        if pos != i as u64 {
            return Err(corrupt(format!(
                "root-history entry {i} is missing (next stored: {pos})"
            )));
        }
        let value = unseal(ROOTS.name(), &pos.to_be_bytes(), v.value(), is_sealed)
            .map_err(|r| corrupt(format!("root {pos}: {r}")))?;
        stored.push(decode_entry(value).map_err(|r| corrupt(format!("root {pos}: {r}")))?);
    }
    // The invalidations and rotations (none in format 1; the tables may not exist).
    let optional_table = |table: TableDefinition<u64, &[u8]>, name: &str| {
        let mut rows = Vec::new();
        match txn.open_table(table) {
            Ok(t) => {
                for item in t.iter().or_db(path)? {
                    let (k, v) = item.or_db(path)?;
                    let value =
                        unseal(table.name(), &k.value().to_be_bytes(), v.value(), is_sealed)
                            .map_err(|r| corrupt(format!("{name} row {}: {r}", k.value())))?;
                    rows.push((k.value(), value.to_vec()));
                }
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(corrupt(format!("cannot open the {name} table ({e})"))),
        }
        Ok(rows)
    };
    let invalidations = optional_table(INVALIDATIONS, "invalidations")?;
    let rotation_rows = optional_table(ROTATIONS, "rotations")?;
    if format == STORE_FORMAT_V1 && !(invalidations.is_empty() && rotation_rows.is_empty()) {
        return Err(corrupt(
            "a format 1 store holds invalidations or rotations (format 2 only)".into(),
        ));
    }
    let mut rotations = Vec::with_capacity(rotation_rows.len());
    let mut epoch_starts = Vec::with_capacity(rotation_rows.len());
    for (i, (k, v)) in rotation_rows.iter().enumerate() {
        if *k != i as u64 {
            return Err(corrupt(format!(
                "rotation {i} is missing (next stored: {k})"
            )));
        }
        let (rotation, before) =
            decode_rotation(v).map_err(|r| corrupt(format!("rotation {k}: {r}")))?;
        if epoch_starts.last().is_some_and(|last| before < *last) || before > stored.len() as u64 {
            return Err(corrupt(format!(
                "rotation {k} follows {before} root-history entries, out of order or more than \
                 the {} stored",
                stored.len()
            )));
        }
        epoch_starts.push(before);
        rotations.push(rotation);
    }
    for (position, entry) in stored.iter_mut().enumerate() {
        entry.epoch = epoch_starts
            .iter()
            .filter(|&&start| start <= position as u64)
            .count() as u64;
    }
    for (position, v) in &invalidations {
        let at = <[u8; 8]>::try_from(v.as_slice())
            .map(u64::from_be_bytes)
            .map_err(|_| corrupt(format!("invalidation of entry {position} is not 8 bytes")))?;
        let entry = usize::try_from(*position)
            .ok()
            .and_then(|p| stored.get_mut(p))
            .ok_or_else(|| {
                corrupt(format!(
                    "invalidation of root-history entry {position}, which is not stored"
                ))
            })?;
        entry.invalidated_at = Some(at);
    }
    // Replaying the operations rebuilds the history through its own validation; the result
    // must be exactly what was stored.
    let history = RootHistory::from_parts(window_secs, stored, rotations)
        .map_err(|e| corrupt(format!("root history: {e}")))?;
    if history.entries().is_empty() && !tree.is_empty() {
        return Err(corrupt(
            "leaves were stored but no root was published".into(),
        ));
    }
    let registry = Registry::from_parts(tree, history).map_err(|e| corrupt(format!("{e}")))?;
    Ok((registry, issuer))
}

fn encode_entry(e: &RootEntry) -> [u8; ENTRY_LEN] {
    let mut out = [0u8; ENTRY_LEN];
    out[..8].copy_from_slice(&e.published_at.to_be_bytes());
    if let Some(t) = e.replaced_at {
        out[8] = 1;
        out[9..17].copy_from_slice(&t.to_be_bytes());
    }
    out[17..].copy_from_slice(&fr_to_bytes_be(&e.root));
    out
}

fn encode_rotation(at: u64, invalidate_previous: bool, before: u64) -> [u8; ROTATION_LEN] {
    let mut out = [0u8; ROTATION_LEN];
    out[..8].copy_from_slice(&at.to_be_bytes());
    out[8] = u8::from(invalidate_previous);
    out[9..].copy_from_slice(&before.to_be_bytes());
    out
}

/// A rotation and the number of entries published before it.
fn decode_rotation(bytes: &[u8]) -> Result<(IssuerRotation, u64), String> {
    let bytes = <&[u8; ROTATION_LEN]>::try_from(bytes)
        .map_err(|_| format!("rotation is {} bytes, expected {ROTATION_LEN}", bytes.len()))?;
    let (at, rest) = bytes.split_first_chunk::<8>().ok_or("short rotation")?;
    let (flag, before) = rest.split_first().ok_or("short rotation")?;
    let before = <[u8; 8]>::try_from(before).map_err(|_| "short rotation".to_string())?;
    let invalidate_previous = match flag {
        0 => false,
        1 => true,
        f => return Err(format!("invalid invalidate-previous flag {f}")),
    };
    Ok((
        IssuerRotation {
            at: u64::from_be_bytes(*at),
            invalidate_previous,
        },
        u64::from_be_bytes(before),
    ))
}

fn decode_entry(bytes: &[u8]) -> Result<RootEntry, String> {
    let bytes = <&[u8; ENTRY_LEN]>::try_from(bytes)
        .map_err(|_| format!("entry is {} bytes, expected {ENTRY_LEN}", bytes.len()))?;
    let (published, rest) = bytes.split_first_chunk::<8>().ok_or("short entry")?;
    let (flag, rest) = rest.split_first().ok_or("short entry")?;
    let (replaced, root) = rest.split_first_chunk::<8>().ok_or("short entry")?;
    let root = <&[u8; 32]>::try_from(root).map_err(|_| "root is not 32 bytes".to_string())?;
    let replaced_at = match flag {
        0 if replaced.iter().all(|b| *b == 0) => None,
        0 => return Err("replacement time set on a current root".into()),
        1 => Some(u64::from_be_bytes(*replaced)),
        f => return Err(format!("invalid replacement flag {f}")),
    };
    Ok(RootEntry {
        root: fr_from_bytes_be(root).map_err(|e| e.to_string())?,
        published_at: u64::from_be_bytes(*published),
        replaced_at,
        epoch: 0,
        invalidated_at: None,
    })
}

#[cfg(test)]
mod tests {
    use ark_std::UniformRand;
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
    use zkhealth_circuits::merkle::EMPTY_LEAF;

    use super::*;

    const T0: u64 = 1_750_000_000;

    #[test]
    fn a_read_only_store_refuses_changes_and_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        {
            let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
            store.append(Fr::from(7u8), T0).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let mut reader = RegistryStore::open_read_only(&path).unwrap();
        assert_eq!(reader.len(), 1);
        assert!(matches!(
            reader.append(Fr::from(8u8), T0 + 1),
            Err(StoreError::ReadOnly(_))
        ));
        assert!(matches!(
            reader.bind_issuer("NL-RIVM"),
            Err(StoreError::ReadOnly(_))
        ));
        assert_eq!(reader.len(), 1);
        // Readers share the registry.
        let other = RegistryStore::open_read_only(&path).unwrap();
        assert_eq!(other.root(), reader.root());
        drop((reader, other));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert!(matches!(
            RegistryStore::open_read_only(dir.path().join("missing.redb")),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn a_changed_historical_root_is_detected_by_every_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let first = {
            let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
            store.append(Fr::from(7u8), T0).unwrap();
            let first = store.root();
            store.append(Fr::from(8u8), T0 + 1).unwrap();
            first
        };
        // The first root's bytes, no longer current, changed in the file.
        // Every copy of it: redb keeps earlier versions of a page until it reuses them.
        let mut bytes = std::fs::read(&path).unwrap();
        let needle = fr_to_bytes_be(&first);
        let copies: Vec<usize> = bytes
            .windows(32)
            .enumerate()
            .filter(|(_, w)| *w == needle.as_slice())
            .map(|(at, _)| at)
            .collect();
        assert!(!copies.is_empty());
        for at in copies {
            bytes[at + 31] ^= 1;
        }
        std::fs::write(&path, &bytes).unwrap();
        let read_only = RegistryStore::open_read_only(&path).unwrap_err();
        assert!(
            matches!(&read_only, StoreError::Corrupt { reason, .. } if reason.contains("seal")),
            "{read_only}"
        );
        let err = RegistryStore::open(&path).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Database { .. } | StoreError::Corrupt { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_changed_byte_in_any_row_breaks_its_seal_even_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        {
            let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
            store.bind_issuer("NL-RIVM").unwrap();
            store.append(Fr::from(7u8), T0).unwrap();
            let first = store.root();
            store.append(Fr::from(8u8), T0 + 1).unwrap();
            store.invalidate_root(first, T0 + 2).unwrap();
            store.rotate_issuer(T0 + 3, false).unwrap();
        }
        let pristine = std::fs::read(&path).unwrap();
        let rows = [
            (LEAVES, 1),
            (ROOTS, 0),
            (ROOTS, 1),
            (INVALIDATIONS, 0),
            (ROTATIONS, 0),
        ];
        for (table, key) in rows {
            let stored = peek(&path, table, key);
            // A byte of the value, then a byte of the seal.
            for at in [0, stored.len() - 1] {
                std::fs::write(&path, &pristine).unwrap();
                let mut changed = stored.clone();
                changed[at] ^= 0x10;
                poke_raw(&path, table, key, &changed);
                for result in [
                    RegistryStore::open_read_only(&path).map(|_| ()),
                    RegistryStore::open(&path).map(|_| ()),
                ] {
                    assert!(
                        matches!(&result, Err(StoreError::Corrupt { reason, .. })
                            if reason.contains("seal")),
                        "{} {key} byte {at}: {result:?}",
                        table.name()
                    );
                }
            }
        }
        for key in [KEY_DEPTH, KEY_WINDOW, KEY_ISSUER] {
            std::fs::write(&path, &pristine).unwrap();
            let db = Database::open(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut meta = txn.open_table(META).unwrap();
                let mut stored = meta.get(key).unwrap().unwrap().value().to_vec();
                stored[0] ^= 1;
                meta.insert(key, stored.as_slice()).unwrap();
            }
            txn.commit().unwrap();
            drop(db);
            let result = RegistryStore::open_read_only(&path);
            assert!(
                matches!(&result, Err(StoreError::Corrupt { reason, .. }) if reason.contains("seal")),
                "{key}: {result:?}"
            );
        }
        // A row copied to another key keeps a valid seal for its own key only.
        std::fs::write(&path, &pristine).unwrap();
        let entry = peek(&path, ROOTS, 0);
        poke_raw(&path, ROOTS, 1, &entry);
        assert!(matches!(
            RegistryStore::open_read_only(&path),
            Err(StoreError::Corrupt { .. })
        ));
        // The pristine file opens.
        std::fs::write(&path, &pristine).unwrap();
        RegistryStore::open_read_only(&path).unwrap();
    }

    #[test]
    fn a_second_open_waits_for_the_first_to_close() {
        use std::sync::{
            atomic::{AtomicBool, Ordering},
            Arc,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let first = RegistryStore::open_or_create(&path, 4, 60).unwrap();
        let closed = Arc::new(AtomicBool::new(false));
        let waiters: Vec<_> = [true, false]
            .into_iter()
            .map(|writer| {
                let (path, closed) = (path.clone(), closed.clone());
                std::thread::spawn(move || {
                    let store = if writer {
                        RegistryStore::open(&path)
                    } else {
                        RegistryStore::open_read_only(&path)
                    };
                    // Opened only once the first store is closed, not with an "already open"
                    // error.
                    assert!(closed.load(Ordering::SeqCst));
                    store.map(|s| s.len())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        closed.store(true, Ordering::SeqCst);
        drop(first);
        for waiter in waiters {
            assert_eq!(waiter.join().unwrap().unwrap(), 0);
        }
    }

    fn leaves(n: usize, seed: u64) -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| Fr::rand(&mut rng)).collect()
    }

    fn db_path(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("registry.redb")
    }

    /// Writes `value`, sealed, under `key` in `table`, bypassing the store's validation: what
    /// a buggy writer could leave, which the decoding must refuse on its own.
    fn poke(path: &Path, table: TableDefinition<u64, &[u8]>, key: u64, value: &[u8]) {
        poke_raw(
            path,
            table,
            key,
            &sealed(table.name(), &key.to_be_bytes(), value),
        );
    }

    /// Writes `value` under `key` in the metadata, sealed unless it is the format.
    fn poke_meta(path: &Path, key: &str, value: &[u8]) {
        let stored = if key == KEY_FORMAT {
            value.to_vec()
        } else {
            sealed(META.name(), key.as_bytes(), value)
        };
        poke_raw(path, META, key, &stored);
    }

    /// Writes `stored` as it is under `key` in `table`.
    fn poke_raw<K: redb::Key + 'static>(
        path: &Path,
        table: TableDefinition<K, &[u8]>,
        key: K::SelfType<'_>,
        stored: &[u8],
    ) {
        let db = Database::open(path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(table).unwrap().insert(key, stored).unwrap();
        txn.commit().unwrap();
    }

    /// The value stored under `key` in `table`, seal included.
    fn peek(path: &Path, table: TableDefinition<u64, &[u8]>, key: u64) -> Vec<u8> {
        let db = ReadOnlyDatabase::open(path).unwrap();
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(table).unwrap();
        let value = table.get(key).unwrap().unwrap().value().to_vec();
        value
    }

    #[test]
    fn store_persists_root_and_history_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let (root, history, leaf_path) = {
            let mut store = RegistryStore::open_or_create(&path, 8, 600).unwrap();
            assert!(store.is_empty());
            store.bind_issuer("NL-RIVM").unwrap();
            for (i, leaf) in leaves(5, 1).into_iter().enumerate() {
                assert_eq!(store.append(leaf, T0 + i as u64).unwrap(), i as u64);
            }
            assert_eq!(store.history().entries().len(), 5);
            (
                store.root(),
                store.history().clone(),
                store.path(3).unwrap(),
            )
        };
        let store = RegistryStore::open_or_create(&path, 8, 600).unwrap();
        assert_eq!(store.len(), 5);
        assert_eq!(store.root(), root);
        assert_eq!(store.history(), &history);
        assert_eq!(store.path(3).unwrap(), leaf_path);
        assert_eq!(store.issuer(), Some("NL-RIVM"));
        // The same registry built in memory has the same root.
        let mut reference = Registry::new(8, 600).unwrap();
        for (i, leaf) in leaves(5, 1).into_iter().enumerate() {
            reference.append(leaf, T0 + i as u64).unwrap();
        }
        assert_eq!(store.registry(), &reference);
        // `open` needs no depth.
        drop(store);
        assert_eq!(RegistryStore::open(&path).unwrap().root(), root);
    }

    #[test]
    fn store_persists_revocation() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let old_root = {
            let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
            for leaf in leaves(3, 2) {
                store.append(leaf, T0).unwrap();
            }
            let old_root = store.root();
            store.revoke(1, T0 + 10).unwrap();
            assert_ne!(store.root(), old_root);
            old_root
        };
        let mut store = RegistryStore::open(&path).unwrap();
        assert_eq!(store.registry().tree().leaf(1), Some(EMPTY_LEAF));
        assert!(store.registry().is_accepted(&old_root, T0 + 69));
        assert!(!store.registry().is_accepted(&old_root, T0 + 70));
        let entry = store.history().entries()[2];
        assert_eq!(entry.replaced_at, Some(T0 + 10));
        // Revoking again fails and changes nothing.
        let root = store.root();
        assert!(matches!(
            store.revoke(1, T0 + 20),
            Err(StoreError::Registry(_))
        ));
        assert!(store.revoke(7, T0 + 20).is_err());
        assert_eq!(store.root(), root);
        drop(store);
        assert_eq!(RegistryStore::open(&path).unwrap().root(), root);
    }

    #[test]
    fn store_rejects_depth_and_window_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        RegistryStore::open_or_create(&path, 4, 60).unwrap();
        assert!(matches!(
            RegistryStore::open_or_create(&path, 5, 60),
            Err(StoreError::DepthMismatch {
                stored: 4,
                requested: 5,
                ..
            })
        ));
        assert!(matches!(
            RegistryStore::open_or_create(&path, 4, 61),
            Err(StoreError::WindowMismatch { .. })
        ));
        assert!(matches!(
            RegistryStore::open_or_create(dir.path().join("bad.redb"), 17, 60),
            Err(StoreError::Registry(_))
        ));
        assert!(!dir.path().join("bad.redb").exists());
    }

    #[test]
    fn store_refuses_another_issuer_and_invalid_operations() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = RegistryStore::open_or_create(db_path(&dir), 1, 60).unwrap();
        store.bind_issuer("NL-RIVM").unwrap();
        store.bind_issuer("NL-RIVM").unwrap();
        assert!(matches!(
            store.bind_issuer("BE-SCIENSANO"),
            Err(StoreError::IssuerMismatch { .. })
        ));
        assert!(store.append(EMPTY_LEAF, T0).is_err());
        for leaf in leaves(4, 3) {
            store.append(leaf, T0).unwrap();
        }
        // Full (depth 1 holds 4), time going backwards, path beyond the appended leaves.
        assert!(store.append(Fr::from(9u8), T0).is_err());
        assert!(store.revoke(0, T0 - 1).is_err());
        assert!(store.path(4).is_err());
        assert_eq!(store.len(), 4);
    }

    #[test]
    fn open_missing_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            RegistryStore::open(db_path(&dir)),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn non_canonical_leaf_is_a_corrupt_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        {
            let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
            store.append(Fr::from(5u8), T0).unwrap();
        }
        poke(&path, LEAVES, 0, &[0xff; 32]);
        let err = RegistryStore::open(&path).unwrap_err();
        assert!(
            matches!(&err, StoreError::Corrupt { reason, .. } if reason.contains("leaf 0")),
            "{err}"
        );
    }

    #[test]
    fn malformed_values_are_corrupt_errors() {
        type Poke = fn(&Path);
        let cases: [(&str, Poke); 8] = [
            ("short leaf", |p| poke(p, LEAVES, 0, &[1; 31])),
            ("gap in leaves", |p| poke(p, LEAVES, 5, &[0; 32])),
            ("changed leaf", |p| {
                poke(p, LEAVES, 0, &fr_to_bytes_be(&Fr::from(6u8)))
            }),
            ("short root entry", |p| poke(p, ROOTS, 0, &[0; 10])),
            ("bad flag", |p| {
                let mut e = [0u8; ENTRY_LEN];
                e[8] = 2;
                poke(p, ROOTS, 0, &e)
            }),
            ("depth", |p| poke_meta(p, KEY_DEPTH, &[0, 4])),
            ("format", |p| poke_meta(p, KEY_FORMAT, &[9])),
            ("issuer", |p| poke_meta(p, KEY_ISSUER, &[0xff, 0xfe])),
        ];
        for (name, corrupt) in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = db_path(&dir);
            {
                let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
                store.append(Fr::from(5u8), T0).unwrap();
            }
            corrupt(&path);
            let result = RegistryStore::open(&path);
            assert!(
                matches!(result, Err(StoreError::Corrupt { .. })),
                "{name}: {result:?}"
            );
        }
    }

    #[test]
    fn entry_encoding_round_trips_and_rejects_malformed() {
        for replaced_at in [None, Some(T0 + 5)] {
            let e = RootEntry {
                root: Fr::from(77u8),
                published_at: T0,
                replaced_at,
                epoch: 0,
                invalidated_at: None,
            };
            assert_eq!(decode_entry(&encode_entry(&e)).unwrap(), e);
        }
        let good = encode_entry(&RootEntry {
            root: Fr::from(77u8),
            published_at: T0,
            replaced_at: None,
            epoch: 0,
            invalidated_at: None,
        });
        assert!(decode_entry(&good[..ENTRY_LEN - 1]).is_err());
        let mut bad = good;
        bad[12] = 1; // replacement time on a current root
        assert!(decode_entry(&bad).is_err());
        let mut bad = good;
        bad[17..].copy_from_slice(&[0xff; 32]);
        assert!(decode_entry(&bad).is_err());
    }

    fn format(store: &RegistryStore) -> u8 {
        let txn = store.db.reader().begin_read().unwrap();
        let meta = txn.open_table(META).unwrap();
        let value = meta.get(KEY_FORMAT).unwrap().unwrap().value().to_vec();
        value[0]
    }

    #[test]
    fn store_persists_invalidations_and_rotations_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let expected = {
            let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
            let l = leaves(4, 5);
            store.append(l[0], T0).unwrap();
            let first = store.root();
            store.append(l[1], T0 + 1).unwrap();
            assert_eq!(format(&store), STORE_FORMAT);
            // A replaced root, then a rotation that invalidates everything before it.
            store.invalidate_root(first, T0 + 2).unwrap();
            assert_eq!(format(&store), STORE_FORMAT);
            assert_eq!(store.rotate_issuer(T0 + 3, true).unwrap(), 1);
            assert_eq!(store.history().current(), None);
            assert!(store.publish_root(T0 + 4).unwrap());
            assert!(!store.publish_root(T0 + 4).unwrap());
            assert_eq!(store.rotate_issuer(T0 + 5, false).unwrap(), 2);
            store.append(l[2], T0 + 6).unwrap();
            // Revoking the last leaf gives back the root published at T0 + 4.
            store.revoke(2, T0 + 7).unwrap();
            store.invalidate_root(store.root(), T0 + 8).unwrap();
            store.append(l[3], T0 + 9).unwrap();
            let h = store.history();
            assert_eq!(h.entries().len(), 6);
            assert_eq!(
                h.entries().iter().map(|e| e.epoch).collect::<Vec<_>>(),
                [0, 0, 1, 2, 2, 2]
            );
            assert!(!h.is_accepted(&first, T0 + 9));
            store.registry().clone()
        };
        let store = RegistryStore::open(&path).unwrap();
        assert_eq!(store.registry(), &expected);
        assert_eq!(store.history().rotations().len(), 2);
        assert_eq!(store.history().min_accepted_epoch(), 1);
    }

    #[test]
    fn store_refuses_invalid_invalidations_and_rotations_changing_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
        store.append(Fr::from(5u8), T0).unwrap();
        let root = store.root();
        assert!(matches!(
            store.invalidate_root(Fr::from(99u8), T0),
            Err(StoreError::Registry(RegistryError::RootNotPublished { .. }))
        ));
        assert!(matches!(
            store.invalidate_root(root, T0 - 1),
            Err(StoreError::Registry(RegistryError::TimeWentBack { .. }))
        ));
        assert!(matches!(
            store.rotate_issuer(T0 - 1, true),
            Err(StoreError::Registry(RegistryError::TimeWentBack { .. }))
        ));
        assert_eq!(format(&store), STORE_FORMAT);
        store.invalidate_root(root, T0).unwrap();
        assert!(matches!(
            store.invalidate_root(root, T0),
            Err(StoreError::Registry(RegistryError::RootInvalidated { .. }))
        ));
        assert!(matches!(
            store.publish_root(T0 + 1),
            Err(StoreError::Registry(RegistryError::RootInvalidated { .. }))
        ));
        let registry = store.registry().clone();
        drop(store);
        assert_eq!(RegistryStore::open(&path).unwrap().registry(), &registry);
    }

    #[test]
    fn malformed_invalidations_and_rotations_are_corrupt_errors() {
        type Poke = fn(&Path);
        let cases: [(&str, Poke); 9] = [
            ("format 1 with a rotation", |p| {
                poke(p, ROTATIONS, 0, &encode_rotation(T0 + 5, true, 2));
                poke_meta(p, KEY_FORMAT, &[STORE_FORMAT_V1]);
            }),
            ("short rotation", |p| poke(p, ROTATIONS, 0, &[0; 9])),
            ("bad rotation flag", |p| {
                let mut r = encode_rotation(T0 + 5, true, 2);
                r[8] = 2;
                poke(p, ROTATIONS, 0, &r)
            }),
            ("gap in rotations", |p| {
                poke(p, ROTATIONS, 2, &encode_rotation(T0 + 5, true, 2))
            }),
            ("rotation after more entries than stored", |p| {
                poke(p, ROTATIONS, 0, &encode_rotation(T0 + 5, true, 3))
            }),
            ("rotation earlier than its entries", |p| {
                poke(p, ROTATIONS, 0, &encode_rotation(T0 - 5, true, 2))
            }),
            ("invalidation of an unknown entry", |p| {
                poke(p, INVALIDATIONS, 7, &(T0 + 5).to_be_bytes())
            }),
            ("short invalidation", |p| poke(p, INVALIDATIONS, 1, &[0; 4])),
            ("invalidation before the publication", |p| {
                poke(p, INVALIDATIONS, 1, &(T0 - 5).to_be_bytes())
            }),
        ];
        for (name, corrupt) in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = db_path(&dir);
            {
                let mut store = RegistryStore::open_or_create(&path, 4, 60).unwrap();
                store.append(Fr::from(5u8), T0).unwrap();
                store.append(Fr::from(6u8), T0 + 1).unwrap();
                store.rotate_issuer(T0 + 2, false).unwrap();
            }
            RegistryStore::open(&path).unwrap();
            corrupt(&path);
            let result = RegistryStore::open(&path);
            assert!(
                matches!(result, Err(StoreError::Corrupt { .. })),
                "{name}: {result:?}"
            );
        }
    }

    #[test]
    fn store_written_before_invalidations_existed_opens_and_upgrades() {
        // A file as the first format wrote it: no invalidations or rotations tables.
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let mut reference = Registry::new(4, 60).unwrap();
        reference.append(Fr::from(5u8), T0).unwrap();
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut meta = txn.open_table(META).unwrap();
                meta.insert(KEY_FORMAT, [1u8].as_slice()).unwrap();
                meta.insert(KEY_DEPTH, 4u32.to_be_bytes().as_slice())
                    .unwrap();
                meta.insert(KEY_WINDOW, 60u64.to_be_bytes().as_slice())
                    .unwrap();
                let mut leaves = txn.open_table(LEAVES).unwrap();
                leaves
                    .insert(0, fr_to_bytes_be(&Fr::from(5u8)).as_slice())
                    .unwrap();
                let mut roots = txn.open_table(ROOTS).unwrap();
                let entry = reference.history().entries()[0];
                roots.insert(0, encode_entry(&entry).as_slice()).unwrap();
            }
            txn.commit().unwrap();
        }
        // Readers read it as it is, and leave it so.
        let reader = RegistryStore::open_read_only(&path).unwrap();
        assert_eq!(reader.registry(), &reference);
        assert_eq!(format(&reader), STORE_FORMAT_V1);
        drop(reader);
        // A writer seals every row.
        let mut store = RegistryStore::open(&path).unwrap();
        assert_eq!(store.registry(), &reference);
        assert_eq!(format(&store), STORE_FORMAT);
        store.rotate_issuer(T0 + 1, false).unwrap();
        drop(store);
        let stored = peek(&path, ROOTS, 0);
        assert_eq!(stored.len(), ENTRY_LEN + SEAL_LEN);
        assert_eq!(
            unseal("roots", &0u64.to_be_bytes(), &stored, true).unwrap(),
            encode_entry(&reference.history().entries()[0]).as_slice()
        );
        let store = RegistryStore::open_read_only(&path).unwrap();
        assert_eq!(store.history().epoch(), 1);
    }

    #[test]
    fn rotation_encoding_round_trips_and_rejects_malformed() {
        for (at, flag, before) in [(T0, false, 0), (u64::MAX, true, 7)] {
            let (r, b) = decode_rotation(&encode_rotation(at, flag, before)).unwrap();
            assert_eq!((r.at, r.invalidate_previous, b), (at, flag, before));
        }
        let good = encode_rotation(T0, true, 1);
        assert!(decode_rotation(&good[..ROTATION_LEN - 1]).is_err());
        assert!(decode_rotation(&[good.as_slice(), &[0]].concat()).is_err());
        let mut bad = good;
        bad[8] = 9;
        assert!(decode_rotation(&bad).is_err());
    }

    #[test]
    fn file_that_is_not_a_database_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        std::fs::write(&path, b"not a redb file, just text").unwrap();
        assert!(matches!(
            RegistryStore::open(&path),
            Err(StoreError::Database { .. })
        ));
        assert!(RegistryStore::open_or_create(&path, 4, 60).is_err());
    }
}
