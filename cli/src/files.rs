//! Reading and writing the CLI's files, and parsing its arguments, with errors that name the
//! file or argument.

use std::{
    fmt, fs,
    io::Write,
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{de::DeserializeOwned, Serialize};
use zkhealth::{
    circuits::{date::Day, field::fr_from_hex, policy::Policy, Fr},
    prover::{ArtifactId, ProvingArtifact},
    records::schema,
    verifier::{Expected, Presentation, VerifyingKey},
};

use crate::error::CliError;

/// The largest key or artifact file read (a proving artifact at depth 16 is about 6 MiB).
pub const MAX_KEY_FILE_BYTES: u64 = 1 << 30;

/// The largest file of a growing record read (root histories, used nullifiers).
pub const MAX_RECORD_FILE_BYTES: u64 = 256 << 20;

/// The largest small input file read (a policy, record, credential, path, secret, presentation).
pub const MAX_INPUT_FILE_BYTES: u64 = 1 << 20;

/// The size limit for a file holding `what`.
fn limit_for(what: &str) -> u64 {
    match what {
        "issuer roots" | "root history" | "nullifier store" => MAX_RECORD_FILE_BYTES,
        _ => MAX_INPUT_FILE_BYTES,
    }
}

/// Reads a whole file of at most `limit` bytes; a larger one (or an endless stream such as
/// `/dev/zero`) is refused after reading `limit + 1` bytes.
pub fn read_bytes_capped(path: &Path, limit: u64) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let err = |source| CliError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > limit {
        return Err(err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than the {limit} bytes such a file may hold"),
        )));
    }
    Ok(bytes)
}

/// Reads a whole key or artifact file ([`MAX_KEY_FILE_BYTES`] at most).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    read_bytes_capped(path, MAX_KEY_FILE_BYTES)
}

/// Reads a UTF-8 text file of at most `limit` bytes.
pub fn read_text_capped(path: &Path, limit: u64) -> Result<String, CliError> {
    String::from_utf8(read_bytes_capped(path, limit)?).map_err(|_| CliError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// Reads a small UTF-8 text file ([`MAX_INPUT_FILE_BYTES`] at most).
pub fn read_text(path: &Path) -> Result<String, CliError> {
    read_text_capped(path, MAX_INPUT_FILE_BYTES)
}

/// Reads and decodes a JSON file holding `what`.
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &'static str) -> Result<T, CliError> {
    let text = read_text_capped(path, limit_for(what))?;
    serde_json::from_str(&text).map_err(|source| CliError::Json {
        path: path.to_path_buf(),
        what,
        source,
    })
}

/// Reads a JSON file holding `what` in its serialized form `S` (a schema named by a string),
/// then resolves it to a `T` with `resolve` ([`CliError::Unresolved`] if that fails).
pub fn read_resolved<S: DeserializeOwned, T>(
    path: &Path,
    what: &'static str,
    resolve: impl FnOnce(S) -> Result<T, zkhealth::circuits::Error>,
) -> Result<T, CliError> {
    resolve(read_json(path, what)?).map_err(|source| CliError::Unresolved {
        path: path.to_path_buf(),
        what,
        source,
    })
}

/// Reads a policy file, its schema one of the shipped ones ([`schema::resolve_policy`]).
pub fn read_policy(path: &Path) -> Result<Policy, CliError> {
    read_resolved(path, "policy", schema::resolve_policy)
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |source| CliError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the parent directory of `path` if needed.
pub fn create_parent(path: &Path) -> Result<(), CliError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => fs::create_dir_all(dir).map_err(write_err(dir)),
        _ => Ok(()),
    }
}

/// Whether a command's output went to standard output (`--out -`): its messages then go to
/// standard error, so that the output can be piped.
static STDOUT_IS_OUTPUT: AtomicBool = AtomicBool::new(false);

/// Prints a command's message: to standard output, or to standard error once standard output
/// carries the command's output (`--out -`).
pub fn say(message: fmt::Arguments<'_>) {
    if STDOUT_IS_OUTPUT.load(Ordering::Relaxed) {
        eprintln!("{message}");
    } else {
        println!("{message}");
    }
}

/// [`say`] with `format!` arguments.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::files::say(format_args!($($arg)*))
    };
}

/// What to do when the output file exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (outputs anyone can make again: paths, roots, presentations, keys).
    Replace,
    /// Refuse unless `--force` (outputs that cannot be made again: secrets, credentials with
    /// their salt).
    Keep {
        /// `--force` was given.
        force: bool,
    },
}

/// Checks that `path` may receive an output: `-` (standard output), a missing file, or a
/// regular file that may be replaced. A symbolic link, directory, FIFO or device is refused,
/// not replaced by a regular file; so is an existing file that `existing` keeps.
pub fn check_output(path: &Path, existing: Existing) -> Result<(), CliError> {
    if is_stdout(path) {
        return Ok(());
    }
    let refuse = |reason: String| CliError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, reason),
    };
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => Err(refuse(format!(
            "{} exists and is not a regular file (a symbolic link, directory, FIFO or device); \
             not replacing it (give another path, or `-` for standard output)",
            shown(path)
        ))),
        Ok(_) => match existing {
            Existing::Replace | Existing::Keep { force: true } => Ok(()),
            Existing::Keep { force: false } => Err(refuse(format!(
                "{} exists; not replacing it, since what it holds cannot be made again (use \
                 --force)",
                shown(path)
            ))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CliError::Write {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes bytes to a file (creating its directory), replacing a regular file atomically: the
/// bytes go to a temporary file next to it, which is synced and then renamed, and the directory
/// is synced. `-` writes to standard output. Refuses targets that are not regular files
/// ([`check_output`]).
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_with(path, bytes, Existing::Replace, false)
}

/// Writes a value as pretty-printed JSON (with a final newline), as [`write_bytes`].
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), CliError> {
    write_with(path, &json_bytes(path, value)?, Existing::Replace, false)
}

/// Writes a value that cannot be made again (a credential with its salt) as pretty-printed
/// JSON, refusing to replace an existing file unless `force`.
pub fn write_new_json<T: Serialize>(path: &Path, value: &T, force: bool) -> Result<(), CliError> {
    write_with(
        path,
        &json_bytes(path, value)?,
        Existing::Keep { force },
        false,
    )
}

/// Writes a secret as pretty-printed JSON, readable by its owner only (on Unix), and refuses to
/// replace an existing file unless `force`.
pub fn write_secret_json<T: Serialize>(
    path: &Path,
    value: &T,
    force: bool,
) -> Result<(), CliError> {
    write_with(
        path,
        &json_bytes(path, value)?,
        Existing::Keep { force },
        true,
    )
}

fn json_bytes<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>, CliError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| CliError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_with(
    path: &Path,
    bytes: &[u8],
    existing: Existing,
    private: bool,
) -> Result<(), CliError> {
    check_output(path, existing)?;
    if is_stdout(path) {
        STDOUT_IS_OUTPUT.store(true, Ordering::Relaxed);
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(write_err(path));
    }
    create_parent(path)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        // A fresh temporary file: never follow a link someone left at its name.
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        // A temporary file left by a killed process of the same id is ours to remove.
        match fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_parent(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(write_err(path))
}

/// Syncs the directory holding `path`, so that a rename into it is durable.
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Reads a verifying-key file (digest and points checked).
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, CliError> {
    VerifyingKey::from_file_bytes(&read_bytes(path)?).map_err(|source| CliError::Decode {
        path: path.to_path_buf(),
        what: "verifying key",
        source,
    })
}

/// The artifact id a proving key is pinned to (`--pk-id`), if one is given.
pub fn artifact_pin(id: Option<&str>) -> Result<Option<ArtifactId>, CliError> {
    id.map(|id| {
        ArtifactId::from_hex(id).map_err(|e| CliError::Argument {
            what: "artifact id",
            value: id.into(),
            reason: e.to_string(),
        })
    })
    .transpose()
}

/// Reads a proving-key (artifact) file (digest checked).
///
/// With a pinned id the file must have that id ([`ProvingArtifact::from_file_bytes_pinned`],
/// fast); without one every point is validated ([`ProvingArtifact::from_file_bytes_validated`]),
/// since the file may come from anywhere.
pub fn read_proving_key(
    path: &Path,
    pin: Option<&ArtifactId>,
) -> Result<ProvingArtifact, CliError> {
    let bytes = read_bytes(path)?;
    match pin {
        Some(id) => ProvingArtifact::from_file_bytes_pinned(&bytes, id),
        None => ProvingArtifact::from_file_bytes_validated(&bytes),
    }
    .map_err(|source| CliError::ProvingKeyFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a presentation file: JSON, or the `ZKH1:` QR text.
pub fn read_presentation(path: &Path) -> Result<Presentation, CliError> {
    presentation_from_text(&read_text(path)?, path)
}

/// A presentation from its JSON or its `ZKH1:` QR text, read from `path` (named in errors).
pub fn presentation_from_text(text: &str, path: &Path) -> Result<Presentation, CliError> {
    let trimmed = text.trim();
    let decoded = if trimmed.starts_with("ZKH") {
        Presentation::from_qr_text(trimmed)
    } else {
        Presentation::from_json(text)
    };
    decoded.map_err(|source| CliError::Decode {
        path: path.to_path_buf(),
        what: "presentation",
        source,
    })
}

/// Parses a `0x`-prefixed 32-byte big-endian field element, given on the command line or, as
/// `@FILE`, in a file (what `challenge --out`, `scope --out` and `holder-key --key-out` write).
pub fn parse_fr(what: &'static str, value: &str) -> Result<Fr, CliError> {
    let text = match value.strip_prefix('@') {
        Some(file) => read_text_capped(Path::new(file), 1024)?,
        None => value.to_string(),
    };
    fr_from_hex(text.trim()).map_err(|e| CliError::Argument {
        what,
        value: value.into(),
        reason: e.to_string(),
    })
}

/// Writes a field element as hex with a final newline, for [`parse_fr`]'s `@FILE`.
pub fn write_fr(path: &Path, x: &Fr) -> Result<(), CliError> {
    write_bytes(
        path,
        format!("{}\n", zkhealth::circuits::field::fr_to_hex(x)).as_bytes(),
    )
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_day(what: &'static str, value: &str) -> Result<Day, CliError> {
    value
        .parse()
        .map_err(|e: zkhealth::circuits::Error| CliError::Argument {
            what,
            value: value.into(),
            reason: e.to_string(),
        })
}

/// The system clock in unix seconds.
pub fn unix_now() -> Result<u64, CliError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| CliError::Clock("the system clock is before 1970".into()))
}

/// The UTC day of a unix time.
pub fn day_of(now: u64) -> Result<Day, CliError> {
    Day::from_unix_seconds(now).map_err(|e| CliError::Clock(e.to_string()))
}

/// `path` as given, for messages.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// The key files of a depth in a directory: `<dir>/<stem>.pk` and `<dir>/<stem>.vk`.
pub fn key_paths(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{stem}.pk")),
        dir.join(format!("{stem}.vk")),
    )
}

/// The date given as `YYYY-MM-DD`, or else the UTC day of `now` (unix seconds).
pub fn today_or_now(today: Option<&str>, now: u64) -> Result<Day, CliError> {
    match today {
        Some(s) => parse_day("date", s),
        None => day_of(now),
    }
}

/// What a verifier expects of a presentation or a claim: the challenge it issued (hex), the
/// scope, and the clock (`--now` in unix seconds, else the system's; `--today` as
/// `YYYY-MM-DD`, else the UTC day of that time).
pub fn expected(
    challenge: &str,
    scope: Fr,
    now: Option<u64>,
    today: Option<&str>,
) -> Result<Expected, CliError> {
    let challenge = parse_fr("challenge", challenge)?;
    let now = match now {
        Some(now) => now,
        None => unix_now()?,
    };
    Ok(Expected {
        challenge,
        scope,
        today: today_or_now(today, now)?,
        now_unix_secs: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_json_error_names_the_file_and_what_it_should_hold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        fs::write(&path, "{\"schema\": ").unwrap();
        let err = read_policy(&path).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("policy.json") && msg.contains("not a valid policy file"),
            "{msg}"
        );
        fs::write(
            &path,
            r#"{"schema": "passport", "issuer": "NL-RIVM", "conditions": []}"#,
        )
        .unwrap();
        let err = read_policy(&path).unwrap_err();
        assert!(
            matches!(
                &err,
                CliError::Unresolved { what: "policy", source, .. }
                    if *source == zkhealth::circuits::Error::UnknownSchema("passport".into())
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("policy.json") && msg.contains("unknown schema \"passport\""),
            "{msg}"
        );
        let missing = dir.path().join("missing.json");
        let msg = read_json::<u8>(&missing, "x").unwrap_err().to_string();
        assert!(
            msg.starts_with("cannot read") && msg.contains("missing.json"),
            "{msg}"
        );
    }

    #[test]
    fn write_json_is_pretty_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("out.json");
        write_json(&path, &serde_json::json!({"a": [1, 2]})).unwrap();
        write_json(&path, &serde_json::json!({"b": 1})).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\n  \"b\": 1\n}\n");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn secrets_are_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        write_secret_json(&path, &"one", false).unwrap();
        assert!(matches!(
            write_secret_json(&path, &"two", false),
            Err(CliError::Write { .. })
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), "\"one\"\n");
        write_secret_json(&path, &"two", true).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "\"two\"\n");
    }

    #[test]
    fn arguments_are_parsed_strictly() {
        assert!(parse_fr("challenge", "0x12").is_err());
        assert!(parse_fr("challenge", &format!("0x{}", "f".repeat(64))).is_err());
        let one = format!("0x{}1", "0".repeat(63));
        assert_eq!(parse_fr("challenge", &one).unwrap(), Fr::from(1u8));
        assert!(parse_day("expiry", "2027-02-29").is_err());
        assert_eq!(
            parse_day("expiry", "2028-02-29").unwrap().to_string(),
            "2028-02-29"
        );
        let msg = parse_day("expiry", "tomorrow").unwrap_err().to_string();
        assert!(msg.contains("invalid expiry \"tomorrow\""), "{msg}");
    }
}
