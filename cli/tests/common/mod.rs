//! The one helper the CLI tests share: running the `zkhealth` binary and reading its output.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::{Mutex, OnceLock},
    time::{SystemTime, UNIX_EPOCH},
};

use zkhealth::circuits::{credential::HolderSecret, date::Day, field::fr_to_hex};

/// Runs `zkhealth` with `args`, with its data directory inside `dir`.
pub fn zk(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkhealth"))
        .args(args)
        .env("ZKHEALTH_DATA_DIR", dir.join("data"))
        .output()
        .expect("the zkhealth binary runs")
}

/// Starts `zkhealth` with `args`, its data directory inside `dir`, without waiting for it
/// (output captured).
pub fn spawn(dir: &Path, args: &[String]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_zkhealth"))
        .args(args)
        .env("ZKHEALTH_DATA_DIR", dir.join("data"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the zkhealth binary starts")
}

/// A vaccination record file's JSON: a second dose of Comirnaty 60 days before `day`, for
/// someone born on 1990-04-12.
pub fn vaccination_record_json(day: Day) -> serde_json::Value {
    serde_json::json!({
        "schema": "vaccination",
        "disease": "840539006",
        "vaccine": "J07BX03",
        "product": "EU/1/20/1528",
        "manufacturer": "ORG-100030215",
        "dose_number": 2,
        "total_doses": 2,
        "date": Day(day.0 - 60).to_string(),
        "country": "NL",
        "dob": {"earliest": 19900412, "latest": 19900412}
    })
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed; returns its stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let o = zk(dir, args);
    assert!(
        o.status.success(),
        "zkhealth {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// Runs a command that must fail with exit code `code` and no panic; returns its stderr.
pub fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let o = zk(dir, args);
    let err = text(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(code),
        "zkhealth {args:?}\nstdout:\n{}\nstderr:\n{err}",
        text(&o.stdout)
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A path as an argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// The UTC day of this machine's clock: the day the CLI, which reads the same clock, takes as
/// today.
pub fn clock_day() -> Day {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Day::from_unix_seconds(secs).unwrap()
}

/// Development keys for registry depth `depth`, set up through the CLI once per test binary;
/// returns the key directory and what `setup` printed.
pub fn keys(depth: u32) -> &'static (PathBuf, String) {
    static KEYS: OnceLock<Mutex<HashMap<u32, &'static (PathBuf, String)>>> = OnceLock::new();
    let mut map = KEYS.get_or_init(Default::default).lock().unwrap();
    map.entry(depth).or_insert_with(|| {
        let dir = tempfile::Builder::new()
            .prefix(&format!("keys-depth-{depth}-"))
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
            .keep();
        let out = ok(
            &dir,
            &[
                "setup",
                "--depth",
                &depth.to_string(),
                "--out-dir",
                s(&dir.join("keys")),
            ],
        );
        Box::leak(Box::new((dir.join("keys"), out)))
    })
}

/// Issues a vaccination credential ([`vaccination_record_json`] of `day`, expiring 300 days
/// after it) to a new holder into `registry.redb` (depth `depth`) in `d`, as leaf `index` (the
/// registry's next one), and writes the holder's `secret.json`, `record.json`,
/// `credential.json` and `path.json` (replacing earlier ones); `extra` is added to `issue`'s
/// arguments.
pub fn issue_vaccination(d: &Path, day: Day, depth: &str, index: u64, extra: &[&str]) {
    let f = |name: &str| s(&d.join(name)).to_string();
    ok(d, &["holder-key", "--force", "--out", &f("secret.json")]);
    let secret: HolderSecret =
        serde_json::from_str(&std::fs::read_to_string(d.join("secret.json")).unwrap()).unwrap();
    let record = vaccination_record_json(day);
    std::fs::write(d.join("record.json"), record.to_string()).unwrap();
    let (registry, record, credential) =
        (f("registry.redb"), f("record.json"), f("credential.json"));
    let (holder_key, expiry) = (
        fr_to_hex(&secret.holder_key()),
        Day(day.0 + 300).to_string(),
    );
    let mut args = vec![
        "issue",
        "--registry",
        &registry,
        "--depth",
        depth,
        "--issuer",
        "NL-RIVM",
        "--record",
        &record,
        "--holder-key",
        &holder_key,
        "--expiry",
        &expiry,
        "--out",
        &credential,
    ];
    args.extend_from_slice(extra);
    ok(d, &args);
    let index = index.to_string();
    ok(
        d,
        &[
            "path",
            "--registry",
            &registry,
            "--index",
            &index,
            "--out",
            &f("path.json"),
        ],
    );
}
