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

/// Issues a credential from `source` (the `issue` arguments naming the health data) to a new
/// holder as leaf `index` of the registry, expiring on `expiry`, proves `policy` on it at
/// `today` and verifies the presentation; returns the issued record's schema and what `verify`
/// printed.
fn issue_prove_verify(
    d: &std::path::Path,
    source: &[&str],
    index: u64,
    policy: &zkhealth::circuits::policy::Policy,
    today: Day,
    expiry: Day,
) -> (String, String) {
    let f = |file: &str| s(&d.join(file)).to_owned();
    ok(d, &["holder-key", "--force", "--out", &f("secret.json")]);
    let secret: HolderSecret =
        serde_json::from_str(&fs::read_to_string(d.join("secret.json")).unwrap()).unwrap();
    let credential = f(&format!("credential-{index}.json"));
    let (depth, holder_key, expiry) = (
        DEPTH.to_string(),
        fr_to_hex(&secret.holder_key()),
        expiry.to_string(),
    );
    let registry = f("registry.redb");
    let mut args = vec![
        "issue",
        "--registry",
        &registry,
        "--depth",
        &depth,
        "--issuer",
        ISSUER,
        "--holder-key",
        &holder_key,
        "--expiry",
        &expiry,
        "--out",
        &credential,
    ];
    args.extend_from_slice(source);
    let out = ok(d, &args);
    assert!(out.contains(&format!("leaf {index}")), "{out}");
    let issued: Value = serde_json::from_str(&fs::read_to_string(&credential).unwrap()).unwrap();
    ok(
        d,
        &[
            "path",
            "--registry",
            &registry,
            "--index",
            &index.to_string(),
            "--out",
            &f("path.json"),
        ],
    );
    ok(
        d,
        &["roots", "--registry", &registry, "--out", &f("roots.json")],
    );
    fs::write(
        d.join("policy.json"),
        serde_json::to_string(policy).unwrap(),
    )
    .unwrap();
    let challenge = ok(d, &["challenge"]).trim().to_string();
    let (key_dir, _) = keys(DEPTH);
    let today = today.to_string();
    ok(
        d,
        &[
            "prove",
            "--pk",
            s(&key_dir.join(format!("presentation-depth-{DEPTH}.pk"))),
            "--credential",
            &credential,
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
    (
        issued["record"]["schema"].as_str().unwrap().to_owned(),
        verified,
    )
}

/// The `issue` arguments for DCC test case `case` (written to `d` as `name`), with its clock
/// day.
fn dcc_source(d: &std::path::Path, case: &str, name: &str) -> (Vec<String>, Day) {
    let (at, day) = prepare(d, name, &testdata(case));
    let args = vec![
        "--from-dcc".to_owned(),
        format!("@{}", s(&d.join(format!("{name}.txt")))),
        "--trust-list".to_owned(),
        s(&d.join(format!("{name}-trust.json"))).to_owned(),
        "--at".to_owned(),
        at,
    ];
    (args, day)
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn shared(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata")
        .join(path);
    p.to_str().unwrap().to_owned()
}

#[test]
fn dcc_certificates_become_credentials_that_prove_the_standard_and_recovery_claims() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let standard = claims::standard_vaccination(ISSUER).unwrap();
    let (source, day) = dcc_source(d, "CZ/2DCode/raw/1.json", "cz1");
    let (schema, out) = issue_prove_verify(d, &refs(&source), 0, &standard, day, Day(day.0 + 30));
    assert_eq!(schema, "vaccination");
    assert!(out.contains("ACCEPTED"), "{out}");
    let recovered = Claims::recovery(ISSUER)
        .disease(zkhealth::records::codes::disease::COVID_19)
        .recovery_valid_today()
        .first_positive_between_days_ago(11, 180)
        .build()
        .unwrap();
    let (source, day) = dcc_source(d, "CZ/2DCode/raw/12.json", "cz12");
    let (schema, out) = issue_prove_verify(d, &refs(&source), 1, &recovered, day, Day(day.0 + 30));
    assert_eq!(schema, "recovery");
    assert!(out.contains("ACCEPTED"), "{out}");
}

#[test]
fn a_smart_health_card_and_a_fhir_coverage_become_credentials_that_prove_their_claims() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Example 00's most recent dose: Spikevax (CVX 229), 2022-09-05, holder born 1951.
    let card = format!("@{}", shared("shc/example-00-e-file.smart-health-card"));
    let jwks = shared("shc/issuer/.well-known/jwks.json");
    let source = [
        "--from-shc",
        &card,
        "--jwks",
        &jwks,
        "--issuer-url",
        "https://spec.smarthealth.cards/examples/issuer",
        "--country",
        "US",
    ];
    let standard = claims::standard_vaccination(ISSUER).unwrap();
    let today: Day = "2022-10-01".parse().unwrap();
    let (schema, out) = issue_prove_verify(d, &source, 0, &standard, today, Day(today.0 + 60));
    assert_eq!(schema, "vaccination");
    assert!(out.contains("ACCEPTED"), "{out}");
    // A card from another issuer is refused before anything is issued.
    let err = fails(
        d,
        &[
            "issue",
            "--registry",
            s(&d.join("registry.redb")),
            "--depth",
            &DEPTH.to_string(),
            "--issuer",
            ISSUER,
            "--holder-key",
            "0x01",
            "--expiry",
            "2030-01-01",
            "--out",
            s(&d.join("refused.json")),
            "--from-shc",
            &card,
            "--jwks",
            &jwks,
            "--issuer-url",
            "https://example.org/other",
        ],
        1,
    );
    assert!(err.contains("SMART Health Card issuer"), "{err}");
    assert!(!d.join("refused.json").exists());
    // The issuer's revocation list revokes example 03 (and not 00).
    let crl = shared("shc/issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json");
    let inspect = |example: &str| {
        vec![
            "inspect".to_owned(),
            format!("@{}", shared(&format!("shc/example-{example}-d-jws.txt"))),
            "--jwks".to_owned(),
            jwks.clone(),
            "--crl".to_owned(),
            crl.clone(),
            "--at".to_owned(),
            "1700000000".to_owned(),
        ]
    };
    let err = fails(d, &refs(&inspect("03")), 1);
    assert!(err.contains("revoked this card"), "{err}");
    let out = ok(d, &refs(&inspect("00")));
    assert!(out.contains("not revoked"), "{out}");

    // Coverage 7546D: plan BG4352, active from 2011-03-17 to 2012-03-17.
    let coverage = shared("fhir-r4/Coverage-7546D.json");
    let insured = Claims::coverage(ISSUER)
        .status_active()
        .covers_date(None)
        .plan_in(&["BG4352"])
        .build()
        .unwrap();
    let today: Day = "2011-06-01".parse().unwrap();
    let expiry: Day = "2012-03-17".parse().unwrap();
    let (schema, out) =
        issue_prove_verify(d, &["--from-fhir", &coverage], 1, &insured, today, expiry);
    assert_eq!(schema, "coverage");
    assert!(out.contains("ACCEPTED"), "{out}");
    // An immunization that was not given is refused with the reason.
    let err = fails(
        d,
        &[
            "inspect",
            &format!("@{}", shared("fhir-r4/Immunization-notGiven.json")),
        ],
        1,
    );
    assert!(err.contains("not-done"), "{err}");
    // Issuing from a lone Immunization reads it as one (refused here for its status), and a
    // FHIR bundle of Immunizations shows each dose.
    let err = fails(
        d,
        &[
            "issue",
            "--registry",
            s(&d.join("registry.redb")),
            "--depth",
            &DEPTH.to_string(),
            "--issuer",
            ISSUER,
            "--holder-key",
            "0x01",
            "--expiry",
            "2030-01-01",
            "--out",
            s(&d.join("refused.json")),
            "--from-fhir",
            &shared("fhir-r4/Immunization-notGiven.json"),
        ],
        1,
    );
    assert!(err.contains("not-done"), "{err}");
    assert!(!d.join("refused.json").exists());
    let out = ok(
        d,
        &[
            "inspect",
            &format!("@{}", shared("shc/example-00-a-fhirBundle.json")),
        ],
    );
    assert_eq!(out.matches("vaccination Spikevax").count(), 3, "{out}");
}
