//! Reading and writing the CLI's files, and parsing its arguments, with errors that name the
//! file or argument.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{de::DeserializeOwned, Serialize};
use zkhealth::{
    circuits::{date::Day, field::fr_from_hex, policy::Policy, Fr},
    prover::{ArtifactId, ProvingArtifact},
    records::schema,
    verifier::{Presentation, VerifyingKey},
};

use crate::error::CliError;

/// Reads a whole file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    fs::read(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a UTF-8 text file.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads and decodes a JSON file holding `what`.
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &'static str) -> Result<T, CliError> {
    let text = read_text(path)?;
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

/// Writes bytes to a file (creating its directory), replacing it atomically: the bytes go to a
/// temporary file next to it, which is then renamed.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_with(path, bytes, false)
}

/// Writes a value as pretty-printed JSON (with a final newline).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), CliError> {
    write_with(path, &json_bytes(path, value)?, false)
}

/// Writes a secret as pretty-printed JSON, readable by its owner only (on Unix), and refuses to
/// replace an existing file unless `force`.
pub fn write_secret_json<T: Serialize>(
    path: &Path,
    value: &T,
    force: bool,
) -> Result<(), CliError> {
    if path.exists() && !force {
        return Err(CliError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "file exists; not replacing a secret (use --force)",
            ),
        });
    }
    write_with(path, &json_bytes(path, value)?, true)
}

fn json_bytes<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>, CliError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| CliError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_with(path: &Path, bytes: &[u8], private: bool) -> Result<(), CliError> {
    create_parent(path)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(write_err(path))
}

/// Reads a verifying-key file (digest and points checked).
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, CliError> {
    VerifyingKey::from_file_bytes(&read_bytes(path)?).map_err(|source| CliError::Decode {
        path: path.to_path_buf(),
        what: "verifying key",
        source,
    })
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
    let text = read_text(path)?;
    let trimmed = text.trim();
    let decoded = if trimmed.starts_with("ZKH") {
        Presentation::from_qr_text(trimmed)
    } else {
        Presentation::from_json(&text)
    };
    decoded.map_err(|source| CliError::Decode {
        path: path.to_path_buf(),
        what: "presentation",
        source,
    })
}

/// Parses a `0x`-prefixed 32-byte big-endian field element.
pub fn parse_fr(what: &'static str, value: &str) -> Result<Fr, CliError> {
    fr_from_hex(value).map_err(|e| CliError::Argument {
        what,
        value: value.into(),
        reason: e.to_string(),
    })
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
