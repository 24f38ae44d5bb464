//! Health certificates in, through the binary: `inspect` on real EU DCC test certificates, and
//! a certificate verified, mapped and issued (`issue --from-dcc`), then proved and verified in
//! a presentation (the standard vaccination policy, and a recovery policy).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{fs, path::PathBuf};

use common::{fails, keys, ok, s};
use serde_json::Value;
use zkhealth::{
    circuits::{credential::HolderSecret, date::Day, field::fr_to_hex},
    records::claims::{self, Claims},
};

const DEPTH: u32 = 4;
const ISSUER: &str = "CZ-UZIS";
const VERIFIER: &str = "checkpoint-PRG";
const EVENT: &str = "2021-boarding";

fn testdata(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/dgc")
        .join(name);
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes the case's QR text, its signer as a trust list, and returns the clock (Unix seconds)
/// and its day.
fn prepare(dir: &std::path::Path, name: &str, case: &Value) -> (String, Day) {
    fs::write(
        dir.join(format!("{name}.txt")),
        case["PREFIX"].as_str().unwrap(),
    )
    .unwrap();
    let trust = serde_json::json!({"certificates": [
        {"certificate": case["TESTCTX"]["CERTIFICATE"], "country": "CZ"}
    ]});
    fs::write(dir.join(format!("{name}-trust.json")), trust.to_string()).unwrap();
    let clock = case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap();
    let day: Day = clock[..10].parse().unwrap();
    // The clocks used here are midnight UTC.
    assert!(clock.ends_with("T00:00:00Z"), "{clock}");
    (((day.0 as i64 - 25_567) * 86_400).to_string(), day)
}

#[test]
fn inspect_shows_a_certificate_and_names_the_layer_that_refuses_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let case = testdata("CZ/2DCode/raw/1.json");
    let (at, _) = prepare(d, "cz1", &case);
    let input = format!("@{}", s(&d.join("cz1.txt")));
    let trust_list = s(&d.join("cz1-trust.json")).to_owned();
    let out = ok(
        d,
        &["inspect", &input, "--trust-list", &trust_list, "--at", &at],
    );
    assert!(out.contains("EU Digital COVID Certificate"), "{out}");
    assert!(out.contains("verified: signed by"), "{out}");
    assert!(out.contains("maps to a vaccination record"), "{out}");
    assert!(out.contains("EU/1/20/1528"), "{out}");
    // Without a trust list: decoded, not verified.
    let out = ok(d, &["inspect", &input]);
    assert!(out.contains("signature not checked"), "{out}");
    // Today the certificate has expired.
    let err = fails(d, &["inspect", &input, "--trust-list", &trust_list], 1);
    assert!(err.contains("EU DCC expiry"), "{err}");
    // Another country's signer.
    let other = testdata("DE/2DCode/raw/1.json");
    let trust = serde_json::json!([{"rawData": other["TESTCTX"]["CERTIFICATE"]}]);
    fs::write(d.join("de1-trust.json"), trust.to_string()).unwrap();
    let err = fails(
        d,
        &[
            "inspect",
            &input,
            "--trust-list",
            s(&d.join("de1-trust.json")),
            "--at",
            &at,
        ],
        1,
    );
    assert!(err.contains("EU DCC signature"), "{err}");
    for (bad, layer) in [
        ("HC2:ABC", "prefix"),
        ("HC1:~~~", "base45"),
        ("HC1:ABCDEF", "zlib"),
    ] {
        let err = fails(d, &["inspect", bad], 1);
        assert!(err.contains(&format!("EU DCC {layer}")), "{bad}: {err}");
    }
    let err = fails(
        d,
        &["inspect", &input, "--trust-list", s(&d.join("cz1.txt"))],
        1,
    );
    assert!(err.contains("trust list"), "{err}");
}

/// Issues the certificate `name` to a new holder as leaf `index` of the registry, proves
/// `policy` on it at its validation day and verifies the presentation.
fn issue_prove_verify(
    d: &std::path::Path,
    case_name: &str,
    name: &str,
    index: u64,
    policy: &zkhealth::circuits::policy::Policy,
) -> String {
    let case = testdata(case_name);
    let (at, day) = prepare(d, name, &case);
    let f = |file: &str| s(&d.join(file)).to_owned();
    ok(d, &["holder-key", "--force", "--out", &f("secret.json")]);
    let secret: HolderSecret =
        serde_json::from_str(&fs::read_to_string(d.join("secret.json")).unwrap()).unwrap();
    let expiry = Day(day.0 + 30).to_string();
    let out = ok(
        d,
        &[
            "issue",
            "--registry",
            &f("registry.redb"),
            "--depth",
            &DEPTH.to_string(),
            "--issuer",
            ISSUER,
            "--from-dcc",
            &format!("@{}", f(&format!("{name}.txt"))),
            "--trust-list",
            &f(&format!("{name}-trust.json")),
            "--at",
            &at,
            "--holder-key",
            &fr_to_hex(&secret.holder_key()),
            "--expiry",
            &expiry,
            "--out",
            &f(&format!("{name}-credential.json")),
        ],
    );
    assert!(out.contains(&format!("leaf {index}")), "{out}");
    let issued: Value = serde_json::from_str(
        &fs::read_to_string(d.join(format!("{name}-credential.json"))).unwrap(),
    )
    .unwrap();
    ok(
        d,
        &[
            "path",
            "--registry",
            &f("registry.redb"),
            "--index",
            &index.to_string(),
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
    fs::write(
        d.join("policy.json"),
        serde_json::to_string(policy).unwrap(),
    )
    .unwrap();
    let challenge = ok(d, &["challenge"]).trim().to_string();
    let (key_dir, _) = keys(DEPTH);
    let today = day.to_string();
    ok(
        d,
        &[
            "prove",
            "--pk",
            s(&key_dir.join(format!("presentation-depth-{DEPTH}.pk"))),
            "--credential",
            &f(&format!("{name}-credential.json")),
            "--secret",
            &f("secret.json"),
            "--path",
            &f("path.json"),
            "--policy",
            &f("policy.json"),
            "--challenge",
            &challenge,
            "--verifier",
            VERIFIER,
            "--event",
            EVENT,
            "--roots",
            &f("roots.json"),
            "--today",
            &today,
            "--out",
            &f("presentation.json"),
        ],
    );
    let verified = ok(
        d,
        &[
            "verify",
            "--vk",
            s(&key_dir.join(format!("presentation-depth-{DEPTH}.vk"))),
            "--policy",
            &f("policy.json"),
            "--roots",
            &f("roots.json"),
            "--presentation",
            &f("presentation.json"),
            "--challenge",
            &challenge,
            "--verifier",
            VERIFIER,
            "--event",
            EVENT,
            "--today",
            &today,
        ],
    );
    issued["record"]["schema"].as_str().unwrap().to_owned() + "\n" + &verified
}

#[test]
fn dcc_certificates_become_credentials_that_prove_the_standard_and_recovery_claims() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let standard = claims::standard_vaccination(ISSUER).unwrap();
    let out = issue_prove_verify(d, "CZ/2DCode/raw/1.json", "cz1", 0, &standard);
    assert!(out.starts_with("vaccination\n"), "{out}");
    assert!(out.contains("ACCEPTED"), "{out}");
    let recovered = Claims::recovery(ISSUER)
        .disease(zkhealth::records::codes::disease::COVID_19)
        .recovery_valid_today()
        .first_positive_between_days_ago(11, 180)
        .build()
        .unwrap();
    let out = issue_prove_verify(d, "CZ/2DCode/raw/12.json", "cz12", 1, &recovered);
    assert!(out.starts_with("recovery\n"), "{out}");
    assert!(out.contains("ACCEPTED"), "{out}");
}
