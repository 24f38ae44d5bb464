//! The `zkhealth` CLI, end to end through its files, at registry depth 4 (fast setup).
//!
//! One key set is generated per test run (shared through a `OnceLock`); each test builds its
//! own registry, credential and presentation in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[cfg(unix)]
use std::os::unix::fs::FileTypeExt;
use std::{
    fs,
    path::{Path, PathBuf},
};

use common::{clock_day, fails, ok, s, spawn, text, vaccination_record_json, zk};
use serde_json::Value;
use tempfile::TempDir;
use zkhealth::{
    circuits::{credential::HolderSecret, date::Day, field::fr_to_hex, Fr, Scope},
    registry::store::RegistryStore,
};

const DEPTH: &str = "4";
const ISSUER: &str = "NL-RIVM";
/// The verifier the holder presents to, and its event.
const VERIFIER: &str = "checkpoint-AMS";
const EVENT: &str = "2026-boarding";

/// The key directory, set up once per test run.
fn keys() -> &'static Path {
    let (dir, out) = common::keys(4);
    assert!(out.contains("key id") && out.contains("0x"), "{out}");
    assert!(out.contains("artifact id"), "{out}");
    assert!(out.contains("development setup"), "{out}");
    dir
}

fn pk() -> PathBuf {
    keys().join("presentation-depth-4.pk")
}

fn vk() -> PathBuf {
    keys().join("presentation-depth-4.vk")
}

/// A holder with one vaccination credential in a fresh registry, and a verifier's policy,
/// challenge and scope.
struct Flow {
    dir: TempDir,
    challenge: String,
    scope: String,
}

impl Flow {
    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ps(&self, name: &str) -> String {
        s(&self.p(name)).to_string()
    }

    fn new() -> Flow {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let today = clock_day();
        let f = |name: &str| s(&d.join(name)).to_string();

        let out = ok(d, &["holder-key", "--out", &f("secret.json")]);
        let secret: HolderSecret =
            serde_json::from_str(&fs::read_to_string(d.join("secret.json")).unwrap()).unwrap();
        let holder_key = fr_to_hex(&secret.holder_key());
        assert!(out.contains(&holder_key), "{out}");

        let record = vaccination_record_json(today);
        fs::write(d.join("record.json"), record.to_string()).unwrap();
        let expiry = Day(today.0 + 300).to_string();
        let out = ok(
            d,
            &[
                "issue",
                "--registry",
                &f("registry.redb"),
                "--depth",
                DEPTH,
                "--issuer",
                ISSUER,
                "--record",
                &f("record.json"),
                "--holder-key",
                &holder_key,
                "--expiry",
                &expiry,
                "--out",
                &f("credential.json"),
            ],
        );
        assert!(out.contains("leaf 0"), "{out}");
        let issued: Value =
            serde_json::from_str(&fs::read_to_string(d.join("credential.json")).unwrap()).unwrap();
        assert_eq!(issued["leaf_index"], 0);
        assert_eq!(issued["record"]["country"], "NL");

        ok(
            d,
            &[
                "path",
                "--registry",
                &f("registry.redb"),
                "--index",
                "0",
                "--out",
                &f("path.json"),
            ],
        );
        ok(
            d,
            &[
                "roots",
                "--registry",
                &f("registry.redb"),
                "--out",
                &f("roots.json"),
            ],
        );
        let out = ok(
            d,
            &[
                "policy",
                "standard-vaccination",
                "--issuer",
                ISSUER,
                "--disclose",
                "country",
                "--out",
                &f("policy.json"),
            ],
        );
        assert!(out.contains("discloses country"), "{out}");
        let challenge = ok(d, &["challenge"]).trim().to_string();
        let scope = ok(d, &["scope", "--verifier", VERIFIER, "--event", EVENT])
            .trim()
            .to_string();
        assert_eq!(challenge.len(), 66);
        assert_eq!(scope.len(), 66);
        Flow {
            dir,
            challenge,
            scope,
        }
    }

    fn prove_args(&self, out: &str) -> Vec<String> {
        [
            "prove",
            "--pk",
            s(&pk()),
            "--credential",
            &self.ps("credential.json"),
            "--secret",
            &self.ps("secret.json"),
            "--path",
            &self.ps("path.json"),
            "--policy",
            &self.ps("policy.json"),
            "--challenge",
            &self.challenge,
            "--verifier",
            VERIFIER,
            "--event",
            EVENT,
            "--roots",
            &self.ps("roots.json"),
            "--out",
            &self.ps(out),
        ]
        .map(String::from)
        .to_vec()
    }

    fn prove(&self) -> String {
        let mut args = self.prove_args("presentation.json");
        args.push("--qr".into());
        ok(self.dir.path(), &refs(&args))
    }

    fn verify_args(&self, presentation: &str) -> Vec<String> {
        [
            "verify",
            "--vk",
            s(&vk()),
            "--policy",
            &self.ps("policy.json"),
            "--roots",
            &self.ps("roots.json"),
            "--presentation",
            &self.ps(presentation),
            "--challenge",
            &self.challenge,
            "--verifier",
            VERIFIER,
            "--event",
            EVENT,
        ]
        .map(String::from)
        .to_vec()
    }
}

impl Flow {
    /// `issue` of the flow's record for the flow's holder into its registry, writing `out`.
    fn issue_args(&self, out: &str) -> Vec<String> {
        let secret: HolderSecret =
            serde_json::from_str(&fs::read_to_string(self.p("secret.json")).unwrap()).unwrap();
        let expiry = Day(clock_day().0 + 300).to_string();
        [
            "issue",
            "--registry",
            &self.ps("registry.redb"),
            "--depth",
            DEPTH,
            "--issuer",
            ISSUER,
            "--record",
            &self.ps("record.json"),
            "--holder-key",
            &fr_to_hex(&secret.holder_key()),
            "--expiry",
            &expiry,
            "--out",
            out,
        ]
        .map(String::from)
        .to_vec()
    }

    /// The registry's number of leaves and root.
    fn registry_state(&self) -> (u64, Fr) {
        let store = RegistryStore::open(self.p("registry.redb")).unwrap();
        (store.len(), store.root())
    }
}

/// Replaces the value after `flag` in `args`.
fn with_arg(mut args: Vec<String>, flag: &str, value: &str) -> Vec<String> {
    let i = args.iter().position(|a| a == flag).unwrap();
    args[i + 1] = value.into();
    args
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_presentation_travels_as_a_qr_image() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let mut args = flow.prove_args("presentation.json");
    args.extend([
        "--qr".into(),
        "--qr-png".into(),
        flow.ps("presentation.png"),
        "--qr-svg".into(),
        flow.ps("presentation.svg"),
    ]);
    let out = ok(d, &refs(&args));
    // The QR code drawn in the terminal, in half blocks.
    assert!(
        out.contains('\u{2580}') || out.contains('\u{2584}'),
        "{out}"
    );
    assert!(out.contains("QR code (PNG) written to"), "{out}");
    let svg = fs::read_to_string(d.join("presentation.svg")).unwrap();
    assert!(svg.contains("<svg"), "{svg}");

    // The verifier reads the image.
    let image_args = |image: &str| {
        let mut args = flow.verify_args("presentation.json");
        let i = args.iter().position(|a| a == "--presentation").unwrap();
        args.splice(i..i + 2, ["--qr-image".to_owned(), flow.ps(image)]);
        args.extend(["--nullifiers".into(), flow.ps("used.json")]);
        args
    };
    let out = ok(d, &refs(&image_args("presentation.png")));
    assert!(out.contains("ACCEPTED"), "{out}");
    // The same image again: the nullifier is used.
    let err = fails(d, &refs(&image_args("presentation.png")), 3);
    assert!(err.contains("already used"), "{err}");
    // An image without a QR code, and a file that is no image: exit 1, named.
    fs::write(
        d.join("blank.png"),
        &fs::read(d.join("presentation.png")).unwrap()[..64],
    )
    .unwrap();
    let err = fails(d, &refs(&image_args("blank.png")), 1);
    assert!(err.contains("QR image"), "{err}");
    fs::write(d.join("text.png"), "not an image").unwrap();
    let err = fails(d, &refs(&image_args("text.png")), 1);
    assert!(err.contains("QR image"), "{err}");
}

#[test]
fn file_flow_proves_and_verifies_and_refuses_reuse() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let out = flow.prove();
    assert!(out.contains("proved in"), "{out}");
    // The holder derived the verifier's scope from its name and event.
    assert!(out.contains(&format!("scope     {}", flow.scope)), "{out}");
    let qr = out
        .lines()
        .find(|l| l.starts_with("ZKH1:"))
        .expect("--qr prints the QR text");
    fs::write(d.join("presentation.qr.txt"), qr).unwrap();
    // Pretty-printed JSON.
    let json = fs::read_to_string(d.join("presentation.json")).unwrap();
    assert!(json.contains("\n  \"key_id\""), "{json}");

    let mut args = flow.verify_args("presentation.json");
    args.extend(["--nullifiers".into(), flow.ps("used.json")]);
    let out = ok(d, &refs(&args));
    assert!(out.contains("ACCEPTED"), "{out}");
    assert!(out.contains("disclosed country = NL"), "{out}");

    // The same presentation again, with the verifier's record of used nullifiers.
    let err = fails(d, &refs(&args), 3);
    assert!(
        err.contains("REJECTED") && err.contains("already used"),
        "{err}"
    );

    // The QR text form verifies too (no nullifier store: a different verifier).
    let out = ok(d, &refs(&flow.verify_args("presentation.qr.txt")));
    assert!(out.contains("ACCEPTED"), "{out}");

    // Another challenge: a replay.
    let mut args = flow.verify_args("presentation.json");
    let other = ok(d, &["challenge"]).trim().to_string();
    let i = args.iter().position(|a| a == "--challenge").unwrap();
    args[i + 1] = other;
    let err = fails(d, &refs(&args), 3);
    assert!(err.contains("challenge"), "{err}");

    // Another verifier (or event): the presentation's scope is not its own.
    for (flag, value) in [
        ("--verifier", "checkpoint-CDG"),
        ("--event", "2027-boarding"),
    ] {
        let mut args = flow.verify_args("presentation.json");
        let i = args.iter().position(|a| a == flag).unwrap();
        args[i + 1] = value.into();
        let err = fails(d, &refs(&args), 3);
        assert!(err.contains("REJECTED") && err.contains("scope"), "{err}");
    }
}

#[test]
fn a_holder_derives_the_scope_from_whom_it_presents_to() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let named = ok(d, &["scope", "--verifier", VERIFIER, "--event", EVENT]);
    assert_eq!(
        named.trim(),
        Scope::named(VERIFIER, EVENT).unwrap().to_string()
    );
    let contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    let of_contract = ok(
        d,
        &[
            "scope",
            "--contract",
            contract,
            "--chain-id",
            "31337",
            "--event",
            EVENT,
        ],
    );
    let address: [u8; 20] = hex::decode(&contract[2..]).unwrap().try_into().unwrap();
    assert_eq!(
        of_contract.trim(),
        Scope::of_contract(31337, address, EVENT)
            .unwrap()
            .to_string()
    );
    // A raw scope is not taken; a verifier or a contract must be named, not both; the event
    // must be a code.
    for args in [
        &["scope", "--event", EVENT][..],
        &["scope", "--verifier", VERIFIER][..],
        &[
            "scope",
            "--verifier",
            VERIFIER,
            "--contract",
            contract,
            "--chain-id",
            "1",
            "--event",
            EVENT,
        ][..],
        &["scope", "--contract", contract, "--event", EVENT][..],
        &["scope", "--scope", "0x01", "--event", EVENT][..],
    ] {
        fails(d, args, 2);
    }
    let err = fails(
        d,
        &["scope", "--verifier", VERIFIER, "--event", "two words"],
        1,
    );
    assert!(err.contains("code"), "{err}");
    let err = fails(
        d,
        &[
            "scope",
            "--contract",
            "0x12",
            "--chain-id",
            "1",
            "--event",
            EVENT,
        ],
        1,
    );
    assert!(err.contains("contract address"), "{err}");
}

#[test]
fn verify_rejects_tampered_presentation() {
    let flow = Flow::new();
    let d = flow.dir.path();
    flow.prove();
    let original: Value =
        serde_json::from_str(&fs::read_to_string(d.join("presentation.json")).unwrap()).unwrap();

    // A different nullifier (a valid field element): the proof no longer verifies.
    let mut tampered = original.clone();
    tampered["statement"]["nullifier"] = Value::String(fr_to_hex(&7u64.into()));
    fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
    let err = fails(d, &refs(&flow.verify_args("tampered.json")), 3);
    assert!(
        err.contains("REJECTED") && err.contains("proof is not valid"),
        "{err}"
    );

    // A different disclosed country: the policy's query hash no longer matches.
    let mut tampered = original.clone();
    tampered["disclosed"][0] =
        Value::String(fr_to_hex(&zkhealth::circuits::codes::encode("BE").unwrap()));
    fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
    let err = fails(d, &refs(&flow.verify_args("tampered.json")), 3);
    assert!(err.contains("policy"), "{err}");

    // A proof digit changed: the presentation is refused (exit 3, as the README says of an
    // invalid proof), whether the point no longer decodes or the proof no longer verifies.
    for at in [10, 40, 100, 200] {
        let mut tampered = original.clone();
        let proof = tampered["proof"].as_str().unwrap().to_string();
        let digit = if &proof[at..at + 1] == "0" { "1" } else { "0" };
        tampered["proof"] = Value::String(format!("{}{digit}{}", &proof[..at], &proof[at + 1..]));
        fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
        let err = fails(d, &refs(&flow.verify_args("tampered.json")), 3);
        assert!(err.contains("REJECTED"), "digit {at}: {err}");
    }
    // A file that is not there is not a refusal.
    fails(d, &refs(&flow.verify_args("missing.json")), 1);
}

#[test]
fn malformed_and_missing_files_give_errors_naming_the_file() {
    let flow = Flow::new();
    let d = flow.dir.path();

    fs::write(d.join("policy.json"), "{\"schema\": \"vaccination\", oops").unwrap();
    let err = fails(d, &refs(&flow.prove_args("p.json")), 1);
    assert!(
        err.contains(&flow.ps("policy.json")) && err.contains("not a valid policy file"),
        "{err}"
    );

    fs::write(d.join("path.json"), "[1, 2, 3]").unwrap();
    let err = fails(d, &refs(&flow.prove_args("p.json")), 1);
    assert!(
        err.contains(&flow.ps("path.json")) && err.contains("Merkle path"),
        "{err}"
    );

    fs::remove_file(d.join("secret.json")).unwrap();
    let err = fails(d, &refs(&flow.prove_args("p.json")), 1);
    assert!(
        err.contains("cannot read") && err.contains(&flow.ps("secret.json")),
        "{err}"
    );

    fs::write(d.join("garbage.vk"), b"not a key").unwrap();
    let mut args = flow.verify_args("credential.json");
    let i = args.iter().position(|a| a == "--vk").unwrap();
    args[i + 1] = flow.ps("garbage.vk");
    let err = fails(d, &refs(&args), 1);
    assert!(
        err.contains(&flow.ps("garbage.vk")) && err.contains("verifying key"),
        "{err}"
    );

    let err = fails(
        d,
        &[
            "issue",
            "--registry",
            &flow.ps("registry.redb"),
            "--depth",
            DEPTH,
            "--issuer",
            ISSUER,
            "--record",
            &flow.ps("missing-record.json"),
            "--holder-key",
            "0x12",
            "--expiry",
            "2030-01-01",
            "--out",
            &flow.ps("c.json"),
        ],
        1,
    );
    assert!(err.contains("missing-record.json"), "{err}");

    let err = fails(
        d,
        &[
            "revoke",
            "--registry",
            &flow.ps("no-such.redb"),
            "--index",
            "0",
        ],
        1,
    );
    assert!(err.contains("no registry database"), "{err}");

    // Another depth for an existing registry.
    fs::write(
        d.join("record2.json"),
        fs::read(d.join("record.json")).unwrap(),
    )
    .unwrap();
    let err = fails(
        d,
        &[
            "issue",
            "--registry",
            &flow.ps("registry.redb"),
            "--depth",
            "5",
            "--issuer",
            ISSUER,
            "--record",
            &flow.ps("record2.json"),
            "--holder-key",
            &fr_to_hex(&1u64.into()),
            "--expiry",
            "2030-01-01",
            "--out",
            &flow.ps("c.json"),
        ],
        1,
    );
    assert!(err.contains("depth 4, not 5"), "{err}");
}

#[test]
fn prove_loads_a_pinned_artifact_and_refuses_another_pin() {
    let flow = Flow::new();
    let (_, setup_out) = common::keys(4);
    let id = setup_out
        .lines()
        .find_map(|l| l.trim().strip_prefix("artifact id"))
        .map(str::trim)
        .expect("setup prints the artifact id");
    let mut args = flow.prove_args("pinned.json");
    args.extend(["--pk-id".to_string(), id.to_string()]);
    ok(flow.dir.path(), &refs(&args));
    ok(flow.dir.path(), &refs(&flow.verify_args("pinned.json")));

    let mut wrong = id.as_bytes().to_vec();
    let last = wrong.len() - 1;
    wrong[last] = if wrong[last] == b'0' { b'1' } else { b'0' };
    let mut args = flow.prove_args("other.json");
    args.extend(["--pk-id".to_string(), String::from_utf8(wrong).unwrap()]);
    let err = fails(flow.dir.path(), &refs(&args), 1);
    assert!(err.contains("is not the pinned"), "{err}");
    assert!(!flow.p("other.json").exists());
}

#[test]
fn holder_key_refuses_to_replace_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let secret = s(&d.join("secret.json")).to_string();
    ok(d, &["holder-key", "--out", &secret]);
    let before = fs::read(&secret).unwrap();
    let err = fails(d, &["holder-key", "--out", &secret], 1);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(fs::read(&secret).unwrap(), before);
    ok(d, &["holder-key", "--out", &secret, "--force"]);
    assert_ne!(fs::read(&secret).unwrap(), before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "secret readable by others: {mode:o}");
    }
}

#[test]
fn prove_refuses_a_revoked_credential() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let registry = flow.ps("registry.redb");
    let out = ok(d, &["revoke", "--registry", &registry, "--index", "0"]);
    assert!(out.contains("new root"), "{out}");
    ok(
        d,
        &[
            "path",
            "--registry",
            &registry,
            "--index",
            "0",
            "--out",
            &flow.ps("path.json"),
        ],
    );
    ok(
        d,
        &[
            "roots",
            "--registry",
            &registry,
            "--out",
            &flow.ps("roots.json"),
        ],
    );
    let err = fails(d, &refs(&flow.prove_args("p.json")), 1);
    assert!(err.contains("not in the registry"), "{err}");
    assert!(!d.join("p.json").exists());
    // Revoking twice is an error, not a panic.
    let err = fails(d, &["revoke", "--registry", &registry, "--index", "0"], 1);
    assert!(err.contains("already revoked"), "{err}");
}

/// The arguments without `flag` and its value.
fn without(args: &[String], flag: &str) -> Vec<String> {
    let mut out = args.to_vec();
    if let Some(i) = out.iter().position(|a| a == flag) {
        out.drain(i..i + 2);
    }
    out
}

/// The arguments with `flag`'s value replaced.
fn with(args: &[String], flag: &str, value: &str) -> Vec<String> {
    let mut out = args.to_vec();
    let i = out.iter().position(|a| a == flag).unwrap();
    out[i + 1] = value.into();
    out
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn roots_are_written_with_their_issuer_and_a_registry_without_one_is_refused() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let roots: Value =
        serde_json::from_str(&fs::read_to_string(d.join("roots.json")).unwrap()).unwrap();
    assert_eq!(roots["issuer"], ISSUER);
    assert_eq!(roots["roots"]["window_secs"], 86_400);
    assert_eq!(roots["roots"]["entries"].as_array().unwrap().len(), 1);
    assert_eq!(roots.as_object().unwrap().len(), 2, "{roots}");

    // A registry database nothing was issued into through the CLI has no issuer.
    {
        let mut store = RegistryStore::open_or_create(flow.p("bare.redb"), 4, 60).unwrap();
        store.append(Fr::from(5u8), unix_now()).unwrap();
    }
    let err = fails(
        d,
        &[
            "roots",
            "--registry",
            &flow.ps("bare.redb"),
            "--out",
            &flow.ps("bare-roots.json"),
        ],
        1,
    );
    assert!(
        err.contains("bare.redb") && err.contains("no issuer"),
        "{err}"
    );
    assert!(!flow.p("bare-roots.json").exists());

    // A bare root history (the former roots file) is not a roots file any more.
    fs::write(flow.p("history.json"), roots["roots"].to_string()).unwrap();
    let args = with(
        &flow.verify_args("presentation.json"),
        "--roots",
        &flow.ps("history.json"),
    );
    let err = fails(d, &refs(&args), 1);
    assert!(
        err.contains("history.json") && err.contains("not a valid issuer roots file"),
        "{err}"
    );
    // Nor is one with an issuer that is not a code.
    let mut bad = roots.clone();
    bad["issuer"] = Value::String("NL RIVM".into());
    fs::write(flow.p("bad-roots.json"), bad.to_string()).unwrap();
    let args = with(
        &flow.verify_args("presentation.json"),
        "--roots",
        &flow.ps("bad-roots.json"),
    );
    let err = fails(d, &refs(&args), 1);
    assert!(err.contains("issuer") && err.contains("NL RIVM"), "{err}");
}

/// A registry does not bind the issuer: DE-RKI's registry can hold the commitment of a
/// credential naming NL-RIVM, and the holder can prove NL-RIVM's policy against its root. The
/// verifier refuses DE-RKI's roots for NL-RIVM's policy; NL-RIVM's own roots never had that root.
#[test]
fn another_issuers_registry_roots_are_refused_for_the_policy_and_by_the_prover() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let leaf = RegistryStore::open(flow.p("registry.redb"))
        .unwrap()
        .registry()
        .tree()
        .leaf(0)
        .unwrap();
    {
        let mut theirs = RegistryStore::open_or_create(flow.p("theirs.redb"), 4, 86_400).unwrap();
        theirs.bind_issuer("DE-RKI").unwrap();
        let now = unix_now();
        theirs.append(Fr::from(7u8), now).unwrap();
        theirs.append(leaf, now).unwrap();
    }
    let theirs = flow.ps("theirs.redb");
    ok(
        d,
        &[
            "path",
            "--registry",
            &theirs,
            "--index",
            "1",
            "--out",
            &flow.ps("their-path.json"),
        ],
    );
    let out = ok(
        d,
        &[
            "roots",
            "--registry",
            &theirs,
            "--out",
            &flow.ps("their-roots.json"),
        ],
    );
    assert!(out.contains("of issuer DE-RKI"), "{out}");

    // The holder's CLI refuses to prove against roots of another issuer than the credential's.
    let prove = with(
        &flow.prove_args("p.json"),
        "--path",
        &flow.ps("their-path.json"),
    );
    let err = fails(
        d,
        &refs(&with(&prove, "--roots", &flow.ps("their-roots.json"))),
        1,
    );
    assert!(
        err.contains("their-roots.json")
            && err
                .contains(r#"roots of issuer "DE-RKI", but the credential names issuer "NL-RIVM""#),
        "{err}"
    );
    assert!(!flow.p("p.json").exists());
    // Without the check, the proof against DE-RKI's root is made.
    ok(d, &refs(&without(&prove, "--roots")));

    // The verifier refuses DE-RKI's roots for NL-RIVM's policy: a clear error, exit code 1 (the
    // verifier's configuration, not a refusal of the presentation).
    let verify = flow.verify_args("p.json");
    let err = fails(
        d,
        &refs(&with(&verify, "--roots", &flow.ps("their-roots.json"))),
        1,
    );
    assert!(
        err.contains("cannot verify")
            && err.contains(
                r#"the policy is for issuer "NL-RIVM", but the root source speaks for issuer "DE-RKI""#
            ),
        "{err}"
    );
    // NL-RIVM's own roots do not hold that root.
    let err = fails(d, &refs(&verify), 3);
    assert!(
        err.contains("REJECTED") && err.contains("not accepted"),
        "{err}"
    );
    // What the pairing prevents: DE-RKI's roots labelled as NL-RIVM's accept the proof.
    let mut mislabelled: Value =
        serde_json::from_str(&fs::read_to_string(flow.p("their-roots.json")).unwrap()).unwrap();
    mislabelled["issuer"] = Value::String(ISSUER.into());
    fs::write(flow.p("mislabelled.json"), mislabelled.to_string()).unwrap();
    let out = ok(
        d,
        &refs(&with(&verify, "--roots", &flow.ps("mislabelled.json"))),
    );
    assert!(
        out.contains("ACCEPTED") && out.contains("issuer NL-RIVM"),
        "{out}"
    );
}

/// Roots from a node come from a registry contract whose issuer the operator names: without
/// `--registry-issuer` it is a usage error, and an invalid code is refused before the node is
/// contacted (nothing listens on the URL).
#[test]
fn verify_against_a_chain_requires_the_registrys_issuer() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let chain = without(&flow.verify_args("presentation.json"), "--roots");
    let mut args = chain.clone();
    args.extend(
        [
            "--rpc-url",
            "http://127.0.0.1:9",
            "--registry",
            "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "--chain-id",
            "31337",
        ]
        .map(String::from),
    );
    let err = fails(d, &refs(&args), 2);
    assert!(err.contains("--registry-issuer"), "{err}");

    let mut bad = args.clone();
    bad.extend(["--registry-issuer".into(), "NL RIVM".into()]);
    let err = fails(d, &refs(&bad), 1);
    assert!(
        err.contains("invalid --registry-issuer \"NL RIVM\""),
        "{err}"
    );

    // The flag belongs to --rpc-url.
    let mut file = flow.verify_args("presentation.json");
    file.extend(["--registry-issuer".into(), ISSUER.into()]);
    let err = fails(d, &refs(&file), 2);
    assert!(err.contains("--rpc-url"), "{err}");
}

#[test]
fn demo_at_depth_4_runs_every_step_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Reuse the shared keys through the demo's cache.
    let cache = d.join("data").join("keys");
    fs::create_dir_all(&cache).unwrap();
    fs::copy(pk(), cache.join("depth-4.pk")).unwrap();
    fs::copy(vk(), cache.join("depth-4.vk")).unwrap();
    let out = ok(d, &["demo", "--depth", "4"]);
    for expected in [
        "loaded from cache",
        "development setup",
        "disclosed country = NL",
        "ChallengeMismatch",
        "NullifierReused",
        "PolicyMismatch",
        "IssuerRootsMismatch",
        "credential expired on",
        "RootNotAccepted",
        "not in the registry",
        "claim keys: setup",
        "disclosed treatment amount = 12500",
        "claim, same treatment again",
        "category dental is not one of outpatient, pharmacy",
        "every outcome was as expected",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert!(!out.contains("UNEXPECTED"), "{out}");
    // A second run reuses the keys and starts a fresh registry.
    let out = ok(d, &["demo", "--depth", "4"]);
    assert!(
        out.contains("loaded from cache") && out.contains("leaf 0"),
        "{out}"
    );
    assert!(out.contains("claim keys: load from cache"), "{out}");
}

#[test]
fn demo_regenerates_corrupt_cached_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("data").join("keys");
    fs::create_dir_all(&cache).unwrap();
    fs::write(cache.join("depth-2.pk"), b"corrupt").unwrap();
    fs::copy(vk(), cache.join("depth-2.vk")).unwrap();
    let out = ok(d, &["demo", "--depth", "2"]);
    assert!(out.contains("cached keys unusable"), "{out}");
    assert!(out.contains("generated in"), "{out}");
    assert!(out.contains("every outcome was as expected"), "{out}");
}

#[test]
fn concurrent_verifiers_never_accept_one_nullifier_twice_nor_lose_one() {
    let flow = Flow::new();
    let d = flow.dir.path();
    flow.prove();
    // One presentation per event: four nullifiers of one holder.
    let events = ["event-a", "event-b", "event-c", "event-d"];
    for event in events {
        let args = with_arg(flow.prove_args(&format!("{event}.json")), "--event", event);
        ok(d, &refs(&args));
    }
    for round in 0..3 {
        // One presentation, six verifier processes at once on one nullifier file.
        let used = flow.ps(&format!("same-{round}.json"));
        let mut args = flow.verify_args("presentation.json");
        args.extend(["--nullifiers".into(), used.clone()]);
        let children: Vec<_> = (0..6).map(|_| spawn(d, &args)).collect();
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let accepted = outputs.iter().filter(|o| o.status.success()).count();
        assert_eq!(accepted, 1, "round {round}");
        for o in outputs.iter().filter(|o| !o.status.success()) {
            assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
            assert!(
                text(&o.stderr).contains("already used"),
                "{}",
                text(&o.stderr)
            );
        }
        let file: Value = serde_json::from_str(&fs::read_to_string(&used).unwrap()).unwrap();
        assert_eq!(file.as_array().unwrap().len(), 1);

        // Four presentations with four nullifiers at once: all accepted, all recorded.
        let used = flow.ps(&format!("distinct-{round}.json"));
        let children: Vec<_> = events
            .iter()
            .map(|event| {
                let mut args =
                    with_arg(flow.verify_args(&format!("{event}.json")), "--event", event);
                args.extend(["--nullifiers".into(), used.clone()]);
                spawn(d, &args)
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", text(&o.stderr));
        }
        let file: Value = serde_json::from_str(&fs::read_to_string(&used).unwrap()).unwrap();
        assert_eq!(
            file.as_array().unwrap().len(),
            events.len(),
            "round {round}"
        );
    }
    // An empty nullifier file holds none.
    fs::write(flow.p("empty.json"), "").unwrap();
    let mut args = flow.verify_args("presentation.json");
    args.extend(["--nullifiers".into(), flow.ps("empty.json")]);
    ok(d, &refs(&args));
}

#[test]
fn issuance_refuses_a_bad_target_before_it_touches_the_registry() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let before = flow.registry_state();
    assert_eq!(before.0, 1);
    let original = fs::read_to_string(flow.p("credential.json")).unwrap();

    // A directory, an existing credential, a symbolic link: refused, the registry unchanged.
    fs::create_dir(flow.p("a-directory")).unwrap();
    let err = fails(d, &refs(&flow.issue_args(&flow.ps("a-directory"))), 1);
    assert!(err.contains("not a regular file"), "{err}");
    let err = fails(d, &refs(&flow.issue_args(&flow.ps("credential.json"))), 1);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        fs::read_to_string(flow.p("credential.json")).unwrap(),
        original
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(flow.p("elsewhere.json"), flow.p("link.json")).unwrap();
        let err = fails(d, &refs(&flow.issue_args(&flow.ps("link.json"))), 1);
        assert!(err.contains("not a regular file"), "{err}");
        assert!(fs::symlink_metadata(flow.p("link.json"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(!flow.p("elsewhere.json").exists());
    }
    assert_eq!(flow.registry_state(), before);

    // With --force the credential is replaced (a new leaf); `-` writes it to standard output
    // and the messages to standard error.
    let mut args = flow.issue_args(&flow.ps("credential.json"));
    args.push("--force".into());
    let out = ok(d, &refs(&args));
    assert!(out.contains("leaf 1"), "{out}");
    let o = zk(d, &refs(&flow.issue_args("-")));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let issued: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(issued["leaf_index"], 2);
    assert!(text(&o.stderr).contains("leaf 2"), "{}", text(&o.stderr));
    assert!(!flow.p("-").exists());
    assert_eq!(flow.registry_state().0, 3);
}

#[test]
fn outputs_refuse_what_is_not_a_regular_file() {
    let flow = Flow::new();
    let d = flow.dir.path();
    #[cfg(unix)]
    {
        // A FIFO is not replaced by a file.
        let fifo = flow.p("pipe");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let err = fails(
            d,
            &[
                "path",
                "--registry",
                &flow.ps("registry.redb"),
                "--index",
                "0",
                "--out",
                &flow.ps("pipe"),
            ],
            1,
        );
        assert!(err.contains("not a regular file"), "{err}");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }
    // `-`: the roots on standard output, as JSON.
    let out = ok(
        d,
        &[
            "roots",
            "--registry",
            &flow.ps("registry.redb"),
            "--out",
            "-",
        ],
    );
    let roots: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(roots["issuer"], ISSUER);
    // The holder key is a secret: not replaced without --force.
    let err = fails(d, &["holder-key", "--out", &flow.ps("secret.json")], 1);
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn a_corrupted_registry_is_an_error_never_a_panic() {
    let flow = Flow::new();
    let d = flow.dir.path();
    for i in 1..4 {
        ok(d, &refs(&flow.issue_args(&flow.ps(&format!("c{i}.json")))));
    }
    ok(
        d,
        &[
            "revoke",
            "--registry",
            &flow.ps("registry.redb"),
            "--index",
            "2",
        ],
    );
    let original = fs::read(flow.p("registry.redb")).unwrap();
    let corrupt = flow.ps("corrupt.redb");
    // A seeded sequence of single-byte corruptions.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut refused = 0;
    for _ in 0..40 {
        let mut bytes = original.clone();
        let at = (next() % bytes.len() as u64) as usize;
        bytes[at] ^= (next() % 255 + 1) as u8;
        for args in [
            vec!["roots", "--registry", &corrupt, "--out", "-"],
            vec!["path", "--registry", &corrupt, "--index", "0", "--out", "-"],
        ] {
            fs::write(&corrupt, &bytes).unwrap();
            let o = zk(d, &args);
            let err = text(&o.stderr);
            assert!(
                matches!(o.status.code(), Some(0) | Some(1)),
                "byte {at}: {args:?} exited {:?}: {err}",
                o.status.code()
            );
            assert!(!err.contains("panicked"), "byte {at}: {err}");
            if !o.status.success() {
                refused += 1;
            }
        }
    }
    println!("{refused} of 80 runs on corrupted registries refused with an error");

    // A historical root changed in the file: a read-only command refuses it too.
    let exported = zk(
        d,
        &[
            "roots",
            "--registry",
            &flow.ps("registry.redb"),
            "--out",
            "-",
        ],
    );
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let roots: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let first = roots["roots"]["entries"][0]["root"].as_str().unwrap();
    let needle = hex::decode(first.trim_start_matches("0x")).unwrap();
    // Every copy of it: redb keeps earlier versions of a page until it reuses them.
    let mut bytes = original.clone();
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
    fs::write(&corrupt, &bytes).unwrap();
    let o = zk(d, &["roots", "--registry", &corrupt, "--out", "-"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("corrupt") && err.contains("seal"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn an_impossible_age_policy_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = s(&d.join("age.json")).to_string();
    for range in [
        &["--min", "65", "--max", "18"][..],
        &["--min", "4294967295"][..],
    ] {
        let mut args = vec!["policy", "age", "--issuer", ISSUER, "--out", &out];
        args.extend(range);
        let err = fails(d, &args, 1);
        assert!(err.contains("age"), "{err}");
        assert!(!d.join("age.json").exists());
    }
    ok(
        d,
        &[
            "policy", "age", "--issuer", ISSUER, "--min", "18", "--max", "65", "--out", &out,
        ],
    );
}

#[test]
fn every_value_a_step_hands_on_can_go_through_a_file() {
    let flow = Flow::new();
    let d = flow.dir.path();
    // The verifier's challenge and the holder key through files, the QR text into a file.
    let printed = ok(d, &["challenge", "--out", &flow.ps("challenge.txt")]);
    let stored = fs::read_to_string(flow.p("challenge.txt")).unwrap();
    assert_eq!(stored.trim(), printed.trim());
    let out = ok(
        d,
        &[
            "holder-key",
            "--out",
            &flow.ps("other-secret.json"),
            "--key-out",
            &flow.ps("holder-key.txt"),
        ],
    );
    let key = fs::read_to_string(flow.p("holder-key.txt")).unwrap();
    assert!(out.contains(key.trim()), "{out}");
    let scope = ok(
        d,
        &[
            "scope",
            "--verifier",
            VERIFIER,
            "--event",
            EVENT,
            "--out",
            &flow.ps("scope.txt"),
        ],
    );
    assert_eq!(fs::read_to_string(flow.p("scope.txt")).unwrap(), scope);

    let challenge_file = format!("@{}", flow.ps("challenge.txt"));
    let mut args = with_arg(flow.prove_args("p.json"), "--challenge", &challenge_file);
    args.extend(["--qr-out".into(), flow.ps("p.qr.txt")]);
    let out = ok(d, &refs(&args));
    assert!(out.contains("QR text"), "{out}");
    assert!(
        !out.contains("ZKH1:"),
        "the QR text went to its file: {out}"
    );
    let args = with_arg(flow.verify_args("p.qr.txt"), "--challenge", &challenge_file);
    let out = ok(d, &refs(&args));
    assert!(out.contains("ACCEPTED"), "{out}");
    // The scope's value from its file, as a verifier of a contract's presentations gives it.
    let mut args: Vec<String> = flow.verify_args("p.json");
    let i = args.iter().position(|a| a == "--verifier").unwrap();
    args.drain(i..i + 4);
    args.extend(["--scope".into(), format!("@{}", flow.ps("scope.txt"))]);
    let args = with_arg(args, "--challenge", &challenge_file);
    ok(d, &refs(&args));

    // A file that does not hold a value.
    fs::write(flow.p("bad.txt"), "not hex").unwrap();
    let bad = format!("@{}", flow.ps("bad.txt"));
    let err = fails(
        d,
        &refs(&with_arg(flow.verify_args("p.json"), "--challenge", &bad)),
        1,
    );
    assert!(err.contains("challenge"), "{err}");
}

#[test]
fn oversized_inputs_are_refused_without_being_read_or_echoed_whole() {
    let flow = Flow::new();
    let d = flow.dir.path();
    flow.prove();
    // A huge value is named, not echoed whole.
    let huge = "x".repeat(100_000);
    let args = with_arg(flow.verify_args("presentation.json"), "--challenge", &huge);
    let err = fails(d, &refs(&args), 1);
    assert!(
        err.contains("challenge") && err.len() < 1_000,
        "{} bytes: {err:.300}",
        err.len()
    );
    let err = fails(d, &["scope", "--verifier", &huge, "--event", EVENT], 1);
    assert!(err.len() < 1_000, "{} bytes: {err:.300}", err.len());
    // An endless stream as the presentation.
    #[cfg(unix)]
    {
        let err = fails(d, &refs(&flow.verify_args("/dev/zero")), 1);
        assert!(err.contains("larger than"), "{err}");
    }
    // A 2 MiB policy: refused by size.
    fs::write(flow.p("policy.json"), vec![b' '; 2 << 20]).unwrap();
    let err = fails(d, &refs(&flow.prove_args("p.json")), 1);
    assert!(
        err.contains("policy.json") && err.contains("larger than"),
        "{err}"
    );
}

#[test]
fn a_coverage_policy_from_the_cli_is_proved_and_verified() {
    let flow = Flow::new();
    let d = flow.dir.path();
    let today = clock_day();
    let record = serde_json::json!({
        "schema": "coverage",
        "payer": "NL-ZILVERENKRUIS",
        "plan": "BASIS-2026",
        "status": "active",
        "period_start": Day(today.0 - 30).to_string(),
        "period_end": Day(today.0 + 300).to_string(),
        "categories": ["outpatient", "pharmacy"],
        "annual_limit": 500000
    });
    fs::write(flow.p("coverage.json"), record.to_string()).unwrap();
    let args = with_arg(
        flow.issue_args(&flow.ps("cov.json")),
        "--record",
        &flow.ps("coverage.json"),
    );
    ok(d, &refs(&args));
    ok(
        d,
        &[
            "path",
            "--registry",
            &flow.ps("registry.redb"),
            "--index",
            "1",
            "--out",
            &flow.ps("cov-path.json"),
        ],
    );
    ok(
        d,
        &[
            "roots",
            "--registry",
            &flow.ps("registry.redb"),
            "--out",
            &flow.ps("roots.json"),
        ],
    );
    let policy = |name: &str, category: &str| {
        let out = ok(
            d,
            &[
                "policy",
                "coverage",
                "--issuer",
                ISSUER,
                "--category",
                category,
                "--disclose",
                "plan",
                "--out",
                &flow.ps(name),
            ],
        );
        assert!(out.contains("discloses plan"), "{out}");
    };
    // Active and the period take three of a proof's four conditions: a fifth is refused.
    let err = fails(
        d,
        &[
            "policy",
            "coverage",
            "--issuer",
            ISSUER,
            "--category",
            "outpatient",
            "--payer",
            "NL-ZILVERENKRUIS",
            "--out",
            &flow.ps("too-many.json"),
        ],
        1,
    );
    assert!(err.contains("conditions"), "{err}");
    policy("cov-policy.json", "outpatient");
    let prove = |policy: &str| {
        let args = with_arg(
            flow.prove_args("cov-presentation.json"),
            "--credential",
            &flow.ps("cov.json"),
        );
        let args = with_arg(args, "--path", &flow.ps("cov-path.json"));
        with_arg(args, "--policy", &flow.ps(policy))
    };
    ok(d, &refs(&prove("cov-policy.json")));
    let args = with_arg(
        flow.verify_args("cov-presentation.json"),
        "--policy",
        &flow.ps("cov-policy.json"),
    );
    let out = ok(d, &refs(&args));
    assert!(
        out.contains("ACCEPTED") && out.contains("disclosed plan = BASIS-2026"),
        "{out}"
    );
    // A category the coverage does not include: the prover refuses.
    policy("dental-policy.json", "dental");
    let err = fails(d, &refs(&prove("dental-policy.json")), 1);
    assert!(err.contains("cannot prove"), "{err}");
}
