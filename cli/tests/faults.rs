//! Faults: `zkhealth issue` and `zkhealth revoke` killed with SIGKILL at seeded random moments,
//! then the registry reopened. Every acknowledged change must be there, every leaf must have its
//! credential file, and the registry must reopen (its history replays to the tree's root).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    fs,
    path::Path,
    process::Command,
    thread,
    time::{Duration, Instant},
};

use common::{clock_day, ok, s, spawn, text, vaccination_record_json};
use serde_json::Value;
use zkhealth::{
    circuits::{
        credential::{CredentialSpec, HolderSecret},
        date::Day,
        field::fr_to_hex,
        merkle::MerkleTree,
    },
    records::schema,
    registry::store::RegistryStore,
};

const DEPTH: &str = "6";

/// A seeded xorshift: the kill moments, reproducible.
struct Moments(u64);

impl Moments {
    fn next_micros(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % max
    }
}

/// Runs `zkhealth args` and kills it after `delay`, unless it ended first; returns whether it
/// ended by itself with success (the command acknowledged its change).
fn run_or_kill(dir: &Path, args: &[String], delay: Duration) -> bool {
    let mut child = spawn(dir, args);
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        thread::sleep(Duration::from_micros(200));
    }
    // On Unix `kill` is SIGKILL; an ended child is not signalled.
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        return true;
    }
    // Killed, or refused (a revocation of a leaf that is not there): never a crash.
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
    false
}

fn commitment_of(file: &Path) -> Option<(u64, String)> {
    let text = fs::read_to_string(file).ok()?;
    let value: Value = serde_json::from_str(&text).expect("a credential file is whole or absent");
    let spec: CredentialSpec = serde_json::from_value(value["credential"].clone()).unwrap();
    let credential = schema::resolve_credential(spec).unwrap();
    Some((
        value["leaf_index"].as_u64().unwrap(),
        fr_to_hex(&credential.commit()),
    ))
}

/// An issuer's directory: a holder key and a vaccination record, and the `issue` command line
/// that writes `c<attempt>.json`.
struct Issuer {
    dir: tempfile::TempDir,
    holder_key: String,
    expiry: String,
}

impl Issuer {
    fn new() -> Issuer {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        ok(d, &["holder-key", "--out", s(&d.join("secret.json"))]);
        let secret: HolderSecret =
            serde_json::from_str(&fs::read_to_string(d.join("secret.json")).unwrap()).unwrap();
        let today = clock_day();
        let record = vaccination_record_json(today);
        fs::write(d.join("record.json"), record.to_string()).unwrap();
        Issuer {
            holder_key: fr_to_hex(&secret.holder_key()),
            expiry: Day(today.0 + 300).to_string(),
            dir,
        }
    }

    fn f(&self, name: &str) -> String {
        s(&self.dir.path().join(name)).to_string()
    }

    fn issue(&self, attempt: usize) -> Vec<String> {
        [
            "issue",
            "--registry",
            &self.f("registry.redb"),
            "--depth",
            DEPTH,
            "--issuer",
            "NL-RIVM",
            "--record",
            &self.f("record.json"),
            "--holder-key",
            &self.holder_key,
            "--expiry",
            &self.expiry,
            "--out",
            &self.f(&format!("c{attempt}.json")),
        ]
        .map(String::from)
        .to_vec()
    }
}

#[test]
fn concurrent_issuances_wait_for_each_other_and_each_gets_its_own_leaf() {
    let issuer = Issuer::new();
    let d = issuer.dir.path();
    ok(
        d,
        &issuer
            .issue(0)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let children: Vec<_> = (1..=4)
        .map(|attempt| spawn(d, &issuer.issue(attempt)))
        .collect();
    // A reader at the same time waits its turn too.
    let roots = Command::new(env!("CARGO_BIN_EXE_zkhealth"))
        .args([
            "roots",
            "--registry",
            &issuer.f("registry.redb"),
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert!(roots.status.success(), "{}", text(&roots.stderr));
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let mut indices: Vec<u64> = (0..=4)
        .map(|attempt| {
            commitment_of(&d.join(format!("c{attempt}.json")))
                .unwrap()
                .0
        })
        .collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2, 3, 4]);
    assert_eq!(
        RegistryStore::open(d.join("registry.redb")).unwrap().len(),
        5
    );
}

#[test]
fn killed_issuances_and_revocations_lose_nothing_acknowledged() {
    let issuer = Issuer::new();
    let d = issuer.dir.path();
    let f = |name: &str| issuer.f(name);
    let issue = |attempt: usize| issuer.issue(attempt);
    // Measure one issuance, so the kill moments spread over a command's whole run.
    let start = Instant::now();
    assert!(run_or_kill(d, &issue(0), Duration::from_secs(30)));
    let span = (start.elapsed().as_micros() as u64).max(1_000) * 3 / 2;

    let mut moments = Moments(0x2545_f491_4f6c_dd1d);
    let mut issued = vec![0usize];
    let mut revoked = Vec::new();
    // A revocation killed after its commit took effect without being acknowledged.
    let mut revocations_tried = Vec::new();
    for attempt in 1..=40 {
        let delay = Duration::from_micros(moments.next_micros(span));
        if attempt % 4 == 0 {
            // Revoke an acknowledged credential's leaf.
            let victim = issued[moments.next_micros(issued.len() as u64) as usize];
            let (index, _) = commitment_of(&d.join(format!("c{victim}.json"))).unwrap();
            revocations_tried.push(index);
            let args = ["revoke", "--registry", &f("registry.redb"), "--index"]
                .map(String::from)
                .into_iter()
                .chain([index.to_string()])
                .collect::<Vec<_>>();
            if run_or_kill(d, &args, delay) {
                revoked.push(index);
            }
        } else if run_or_kill(d, &issue(attempt), delay) {
            issued.push(attempt);
        }
    }

    // Reopening checks the history replays to the tree's root.
    let store = RegistryStore::open(d.join("registry.redb")).unwrap();
    let leaves = store.registry().tree().leaves().to_vec();
    let rebuilt = MerkleTree::from_leaves(6, &leaves).unwrap();
    assert_eq!(rebuilt.root(), store.root());
    // Every acknowledged issuance is there (unless revoked since), with its credential.
    for attempt in &issued {
        let (index, commitment) = commitment_of(&d.join(format!("c{attempt}.json"))).unwrap();
        let leaf = fr_to_hex(&leaves[index as usize]);
        if revoked.contains(&index) {
            assert_eq!(leaf, fr_to_hex(&0u64.into()));
        } else if !(revocations_tried.contains(&index) && leaf == fr_to_hex(&0u64.into())) {
            assert_eq!(leaf, commitment, "attempt {attempt}");
        }
    }
    for index in &revoked {
        assert_eq!(leaves[*index as usize], 0u64.into(), "revoked leaf {index}");
    }
    // Every leaf has a credential file: none was committed without its credential.
    let files: Vec<(u64, String)> = (0..=40)
        .filter_map(|attempt| commitment_of(&d.join(format!("c{attempt}.json"))))
        .collect();
    for (index, leaf) in leaves.iter().enumerate() {
        if *leaf != 0u64.into() {
            assert!(
                files.contains(&(index as u64, fr_to_hex(leaf))),
                "leaf {index} has no credential file"
            );
        }
    }
    println!(
        "{} of 30 killed issuances and {} of 10 revocations acknowledged; {} leaves",
        issued.len() - 1,
        revoked.len(),
        leaves.len()
    );
}

/// Runs `zkhealth args` with its file-size limit at `blocks` 512-byte blocks and SIGXFSZ
/// ignored: a write past the limit fails with EFBIG, as on a full disk.
fn run_with_file_limit(args: &[String], blocks: u64) -> std::process::Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec '{}' {}",
            env!("CARGO_BIN_EXE_zkhealth"),
            quoted.join(" ")
        ))
        .output()
        .unwrap()
}

#[test]
fn a_full_disk_leaves_the_registry_as_it_was() {
    let issuer = Issuer::new();
    let d = issuer.dir.path();
    for attempt in 0..5 {
        ok(
            d,
            &issuer
                .issue(attempt)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
    }
    let state = || {
        let store = RegistryStore::open_read_only(d.join("registry.redb")).unwrap();
        (store.len(), store.root(), store.history().entries().len())
    };
    let before = state();
    let size = fs::metadata(d.join("registry.redb")).unwrap().len();
    // Limits from below the registry's size up to a little above it: the issuance fails
    // wherever the write does (opening, committing, or the credential), never half-done.
    let mut failed = 0;
    for (i, blocks) in [0, size / 1024, size / 512, size / 512 + 8]
        .into_iter()
        .enumerate()
    {
        let attempt = 100 + i;
        let out = run_with_file_limit(&issuer.issue(attempt), blocks);
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        if out.status.success() {
            // It fitted: a complete issuance.
            assert!(commitment_of(&d.join(format!("c{attempt}.json"))).is_some());
            continue;
        }
        failed += 1;
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(state(), before, "limit {blocks}: {err}");
        assert!(
            !d.join(format!("c{attempt}.json")).exists(),
            "limit {blocks}"
        );
        // A revocation on the full disk changes nothing either.
        let revoke = [
            "revoke",
            "--registry",
            &issuer.f("registry.redb"),
            "--index",
            "0",
        ]
        .map(String::from);
        let out = run_with_file_limit(&revoke, blocks);
        if !out.status.success() {
            assert_eq!(state(), before, "revoke at limit {blocks}");
        }
        break;
    }
    assert!(failed > 0, "no limit made the issuance fail");
    // With room again, the next issuance takes the next leaf.
    ok(
        d,
        &issuer
            .issue(200)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(commitment_of(&d.join("c200.json")).unwrap().0, before.0);
}
