//! The verifier's file of used nullifiers (`verify --nullifiers`), safe under concurrent
//! processes.
//!
//! The file is read, checked and written back while this process holds an exclusive lock on a
//! lock file beside it (`<file>.lock`, an advisory `flock`-style lock that the system releases
//! if the process dies). Two `verify` runs at once therefore take turns: of two presentations
//! with one nullifier exactly one is accepted, and two different nullifiers both end up in the
//! file. The file is replaced atomically (temporary file, sync, rename, directory sync) before
//! `verify` prints ACCEPTED, so an acknowledged nullifier is never lost.

use std::{
    fs::{self, File, OpenOptions},
    path::{Path, PathBuf},
};

use zkhealth::verifier::MemoryNullifiers;

use crate::{error::CliError, files};

/// The used nullifiers of one file, held under its lock until [`LockedNullifiers::save`] or
/// drop.
pub struct LockedNullifiers {
    path: PathBuf,
    used: MemoryNullifiers,
    // Held for the lifetime of the value; closing the file releases the lock.
    _lock: File,
}

impl LockedNullifiers {
    /// Locks `path` (waiting for another process that holds it), then reads it: a missing or
    /// empty file holds no nullifier.
    pub fn open(path: &Path) -> Result<Self, CliError> {
        if path.as_os_str() == "-" {
            return Err(CliError::Argument {
                what: "nullifier store",
                value: "-".into(),
                reason: "the store is read and written back: give a file".into(),
            });
        }
        files::check_output(path, files::Existing::Replace)?;
        files::create_parent(path)?;
        let lock_path = lock_path(path);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|source| CliError::Write {
                path: lock_path.clone(),
                source,
            })?;
        lock.lock().map_err(|source| CliError::Write {
            path: lock_path,
            source,
        })?;
        let used = match fs::metadata(path) {
            Ok(meta) if meta.len() == 0 => MemoryNullifiers::new(),
            Ok(_) => files::read_json(path, "nullifier store")?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => MemoryNullifiers::new(),
            Err(source) => {
                return Err(CliError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Ok(LockedNullifiers {
            path: path.to_path_buf(),
            used,
            _lock: lock,
        })
    }

    /// The nullifiers, to check and record into.
    pub fn used(&mut self) -> &mut MemoryNullifiers {
        &mut self.used
    }

    /// Writes the nullifiers back (durably), then releases the lock.
    pub fn save(self) -> Result<(), CliError> {
        files::write_json(&self.path, &self.used)
    }
}

/// Runs `check` on the used nullifiers of `path`, held locked from reading to writing back so
/// that concurrent runs take turns, or, without a file, on an empty store. When `check`
/// succeeds the file is written back durably before its result is returned, so before the
/// caller prints ACCEPTED; when it fails the file is left as it was.
pub fn with_used<T>(
    path: Option<&Path>,
    check: impl FnOnce(&mut MemoryNullifiers) -> Result<T, CliError>,
) -> Result<T, CliError> {
    match path {
        Some(path) => {
            let mut file = LockedNullifiers::open(path)?;
            let result = check(file.used())?;
            file.save()?;
            Ok(result)
        }
        None => check(&mut MemoryNullifiers::new()),
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use zkhealth::{circuits::Fr, verifier::NullifierStore};

    use super::*;

    #[test]
    fn a_missing_or_empty_file_holds_no_nullifier_and_a_saved_one_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("used.json");
        let mut file = LockedNullifiers::open(&path).unwrap();
        assert!(file.used().is_empty());
        assert!(file.used().insert(&Fr::from(1u8), &Fr::from(7u8)).unwrap());
        file.save().unwrap();
        let mut again = LockedNullifiers::open(&path).unwrap();
        assert_eq!(again.used().len(), 1);
        assert!(!again.used().insert(&Fr::from(1u8), &Fr::from(7u8)).unwrap());
        drop(again);

        fs::write(&path, "").unwrap();
        assert!(LockedNullifiers::open(&path).unwrap().used().is_empty());
        fs::write(&path, "{").unwrap();
        assert!(matches!(
            LockedNullifiers::open(&path),
            Err(CliError::Json { .. })
        ));
        assert!(matches!(
            LockedNullifiers::open(Path::new("-")),
            Err(CliError::Argument { .. })
        ));
    }
}
