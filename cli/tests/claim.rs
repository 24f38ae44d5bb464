//! Claims through the binary: keys for the claim circuit, a coverage issued into the insurer's
//! registry and a treatment record into the provider registry for one holder, policies over
//! each, `claim prove` and `claim verify` (accepted once, refused when the same treatment is
//! claimed again, by the same file or by a new proof for another challenge), an uncovered
//! treatment refused by the prover, and bad files refused with clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{path::Path, sync::OnceLock};

use common::{clock_day, fails, ok, s};
use zkhealth::circuits::date::Day;

const DEPTH: &str = "2";
const INSURER: &str = "NL-ZILVERENKRUIS";
const PROVIDERS: &str = "NL-ZORGREGISTER";
const CHALLENGE: &str = "0x00000000000000000000000000000000000000000000000000000000000a11ce";
const OTHER_CHALLENGE: &str = "0x0000000000000000000000000000000000000000000000000000000000000b0b";

/// The claim circuit's keys at depth 2, made once per test binary.
fn keys() -> &'static Path {
    static KEYS: OnceLock<std::path::PathBuf> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("claim-keys-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
            .keep();
        let out = ok(
            &dir,
            &[
                "setup",
                "--circuit",
                "claim",
                "--depth",
                DEPTH,
                "--out-dir",
                s(&dir.join("keys")),
            ],
        );
        assert!(out.contains("claim keys for registry depth 2"), "{out}");
        dir.join("keys")
    })
}

fn write(d: &Path, name: &str, json: serde_json::Value) -> String {
    let path = d.join(name);
    std::fs::write(&path, json.to_string()).unwrap();
    s(&path).to_string()
}

/// Issues `record` (JSON) by `issuer` into `registry` for the holder of `d/holder.key` as leaf
/// `index`, and writes `<stem>.json` and `<stem>-path.json`.
fn issue(
    d: &Path,
    registry: &str,
    issuer: &str,
    record: serde_json::Value,
    stem: &str,
    index: u64,
) {
    let f = |name: &str| s(&d.join(name)).to_string();
    let record = write(d, &format!("{stem}-record.json"), record);
    let expiry = Day(clock_day().0 + 300).to_string();
    let holder = format!("@{}", f("holder.key"));
    ok(
        d,
        &[
            "issue",
            "--registry",
            &f(registry),
            "--depth",
            DEPTH,
            "--issuer",
            issuer,
            "--record",
            &record,
            "--holder-key",
            &holder,
            "--expiry",
            &expiry,
            "--out",
            &f(&format!("{stem}.json")),
        ],
    );
    ok(
        d,
        &[
            "path",
            "--registry",
            &f(registry),
            "--index",
            &index.to_string(),
            "--out",
            &f(&format!("{stem}-path.json")),
        ],
    );
}

fn treatment(id: &str, category: &str) -> serde_json::Value {
    serde_json::json!({
        "schema": "treatment",
        "provider": "NL-AMC",
        "category": category,
        "procedure": "SNOMED:80146002",
        "date": Day(clock_day().0 - 10).to_string(),
        "amount": 12_500,
        "treatment_id": id,
    })
}

/// A holder with a coverage and two treatments (the second not covered), the registries'
/// roots and the insurer's policies, in a new directory.
fn world() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = |name: &str| s(&d.join(name)).to_string();
    ok(
        d,
        &[
            "holder-key",
            "--out",
            &f("secret.json"),
            "--key-out",
            &f("holder.key"),
        ],
    );
    let today = clock_day();
    let coverage = serde_json::json!({
        "schema": "coverage",
        "payer": INSURER,
        "plan": "BASIS",
        "status": "active",
        "period_start": Day(today.0 - 100).to_string(),
        "period_end": Day(today.0 + 200).to_string(),
        "categories": ["outpatient", "pharmacy"],
        "annual_limit": 500_000,
    });
    issue(d, "insurer.redb", INSURER, coverage, "coverage", 0);
    issue(
        d,
        "providers.redb",
        PROVIDERS,
        treatment("AMC-417", "outpatient"),
        "treatment",
        0,
    );
    issue(
        d,
        "providers.redb",
        PROVIDERS,
        treatment("AMC-418", "dental"),
        "dental",
        1,
    );
    for (registry, out) in [
        ("insurer.redb", "insurer-roots.json"),
        ("providers.redb", "provider-roots.json"),
    ] {
        ok(d, &["roots", "--registry", &f(registry), "--out", &f(out)]);
    }
    ok(
        d,
        &[
            "policy",
            "coverage",
            "--issuer",
            INSURER,
            "--payer",
            INSURER,
            "--disclose",
            "plan",
            "--out",
            &f("coverage-policy.json"),
        ],
    );
    ok(
        d,
        &[
            "policy",
            "treatment",
            "--issuer",
            PROVIDERS,
            "--category",
            "outpatient",
            "--category",
            "dental",
            "--amount-at-most",
            "100000",
            "--served-within-days",
            "365",
            "--disclose",
            "category",
            "--disclose",
            "amount",
            "--out",
            &f("treatment-policy.json"),
        ],
    );
    dir
}

fn prove_args(d: &Path, treatment: &str, challenge: &str, out: &str) -> Vec<String> {
    let f = |name: &str| s(&d.join(name)).to_string();
    [
        "claim",
        "prove",
        "--pk",
        s(&keys().join("claim-depth-2.pk")),
        "--secret",
        &f("secret.json"),
        "--coverage",
        &f("coverage.json"),
        "--coverage-path",
        &f("coverage-path.json"),
        "--coverage-policy",
        &f("coverage-policy.json"),
        "--treatment",
        &f(&format!("{treatment}.json")),
        "--treatment-path",
        &f(&format!("{treatment}-path.json")),
        "--treatment-policy",
        &f("treatment-policy.json"),
        "--challenge",
        challenge,
        "--verifier",
        INSURER,
        "--event",
        "2026-claims",
        "--out",
        &f(out),
    ]
    .map(String::from)
    .to_vec()
}

fn verify_args(d: &Path, claim: &str, challenge: &str, vk: &Path) -> Vec<String> {
    let f = |name: &str| s(&d.join(name)).to_string();
    [
        "claim",
        "verify",
        "--vk",
        s(vk),
        "--coverage-policy",
        &f("coverage-policy.json"),
        "--coverage-roots",
        &f("insurer-roots.json"),
        "--treatment-policy",
        &f("treatment-policy.json"),
        "--treatment-roots",
        &f("provider-roots.json"),
        "--claim",
        &f(claim),
        "--challenge",
        challenge,
        "--verifier",
        INSURER,
        "--event",
        "2026-claims",
        "--nullifiers",
        &f("used.json"),
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_claim_is_accepted_once_through_the_binary() {
    let dir = world();
    let d = dir.path();
    let vk = keys().join("claim-depth-2.vk");
    let proved = ok(
        d,
        &strs(&prove_args(d, "treatment", CHALLENGE, "claim.json")),
    );
    assert!(proved.contains("claim proved"), "{proved}");
    let accepted = ok(d, &strs(&verify_args(d, "claim.json", CHALLENGE, &vk)));
    assert!(accepted.contains("ACCEPTED claim"), "{accepted}");
    // Disclosed from either credential.
    assert!(
        accepted.contains("disclosed coverage plan = BASIS"),
        "{accepted}"
    );
    assert!(
        accepted.contains("disclosed treatment category = outpatient"),
        "{accepted}"
    );
    assert!(
        accepted.contains("disclosed treatment amount = 12500"),
        "{accepted}"
    );
    // The same claim again, and a new proof of the same treatment for another challenge.
    let again = fails(d, &strs(&verify_args(d, "claim.json", CHALLENGE, &vk)), 3);
    assert!(again.contains("nullifier"), "{again}");
    ok(
        d,
        &strs(&prove_args(d, "treatment", OTHER_CHALLENGE, "claim2.json")),
    );
    let second = fails(
        d,
        &strs(&verify_args(d, "claim2.json", OTHER_CHALLENGE, &vk)),
        3,
    );
    assert!(second.contains("nullifier"), "{second}");
    // A claim for another challenge than the insurer's.
    let other = fails(d, &strs(&verify_args(d, "claim2.json", CHALLENGE, &vk)), 3);
    assert!(other.contains("challenge"), "{other}");
}

#[test]
fn an_uncovered_treatment_and_bad_files_are_refused_with_clear_errors() {
    let dir = world();
    let d = dir.path();
    // Dental care is not among the coverage's categories: the prover names the condition.
    let uncovered = fails(d, &strs(&prove_args(d, "dental", CHALLENGE, "x.json")), 1);
    assert!(uncovered.contains("not covered"), "{uncovered}");
    assert!(uncovered.contains("category"), "{uncovered}");
    assert!(!d.join("x.json").exists());
    // The coverage offered as the treatment.
    let mut swapped = prove_args(d, "treatment", CHALLENGE, "x.json");
    let at = swapped.iter().position(|a| a == "--treatment").unwrap();
    swapped[at + 1] = s(&d.join("coverage.json")).to_string();
    swapped[at + 3] = s(&d.join("coverage-path.json")).to_string();
    fails(d, &strs(&swapped), 1);
    // A garbled claim file is refused (exit 3), naming the file.
    std::fs::write(
        d.join("garbled.json"),
        "{\"circuit\": \"claim\", \"depth\": 2",
    )
    .unwrap();
    let vk = keys().join("claim-depth-2.vk");
    let garbled = fails(d, &strs(&verify_args(d, "garbled.json", CHALLENGE, &vk)), 3);
    assert!(garbled.contains("garbled.json"), "{garbled}");
    // A presentation key cannot verify claims: a configuration error (exit 1).
    ok(
        d,
        &strs(&prove_args(d, "treatment", CHALLENGE, "claim.json")),
    );
    let presentation_keys = common::keys(2);
    let wrong = fails(
        d,
        &strs(&verify_args(
            d,
            "claim.json",
            CHALLENGE,
            &presentation_keys.0.join("presentation-depth-2.vk"),
        )),
        1,
    );
    assert!(wrong.contains("circuit"), "{wrong}");
}

/// The claim circuit goes to a snarkjs ceremony as presentations do: its `.r1cs` has the
/// claim's constraints and seven public inputs.
#[test]
fn the_claim_circuit_exports_for_a_ceremony() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(
        d,
        &[
            "export-r1cs",
            "--circuit",
            "claim",
            "--depth",
            DEPTH,
            "--out",
            s(&d.join("claim-2.r1cs")),
        ],
    );
    assert!(out.contains("claim circuit at registry depth 2"), "{out}");
    let constraints = zkhealth::circuits::circuit::claim_constraints(2).to_string();
    assert!(
        out.lines()
            .any(|l| l.trim() == format!("constraints    {constraints}")),
        "{out}"
    );
    assert!(out.lines().any(|l| l.trim() == "public inputs  7"), "{out}");
    assert!(d.join("claim-2.r1cs").exists());
}
