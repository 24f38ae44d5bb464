//! The EU DCC test cases of `../shared/testdata/dgc/` (eu-digital-green-certificates/dgc-testdata):
//! every case in every country folder, decoded and verified against its own
//! `TESTCTX.CERTIFICATE` at its `VALIDATIONCLOCK`.
//!
//! A case whose `EXPECTEDRESULTS` are all true must verify and decode to its `JSON`; a case with
//! a false one must be refused, at a layer that one names. Where this crate decides otherwise,
//! the reason is checked ([`codes_outside_value_sets`], [`STRICTER`]) or the case is pinned by
//! name with it ([`ACCEPTED_AGAINST_SUITE`], [`JSON_DIFFERS`]); the README's table repeats them.
//! The test prints a table of cases per country and every case's reason.

#![cfg(feature = "dcc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{collections::BTreeMap, path::PathBuf};

use base64::Engine;
use serde_json::Value;
use zkhealth_records::{
    dcc::{self, Layer, TrustList},
    Record,
};

fn testdata() -> PathBuf {
    common::dgc()
}

fn cases() -> Vec<(String, Value)> {
    common::dgc_cases()
}

/// The layer each `EXPECTED…` flag tests.
fn layers_of(flag: &str) -> &'static [Layer] {
    match flag {
        "EXPECTEDUNPREFIX" => &[Layer::Prefix],
        "EXPECTEDB45DECODE" => &[Layer::Base45],
        "EXPECTEDCOMPRESSION" => &[Layer::Zlib],
        "EXPECTEDDECODE" | "EXPECTEDVALIDJSON" | "EXPECTEDVALIDOBJECT" => {
            &[Layer::Cbor, Layer::Cose]
        }
        "EXPECTEDVERIFY" => &[Layer::Signature, Layer::Cose],
        "EXPECTEDKEYUSAGE" => &[Layer::KeyUsage],
        "EXPECTEDEXPIRATIONCHECK" => &[Layer::Expiry],
        "EXPECTEDSCHEMAVALIDATION" => &[Layer::Schema],
        _ => &[],
    }
}

/// The clock: RFC 3339, also with a `+hhmm` offset as some cases write it.
fn clock(s: &str) -> Option<i64> {
    use time::{format_description::well_known::Rfc3339, OffsetDateTime};
    let normalised = match s.len().checked_sub(5).and_then(|at| s.get(at..)) {
        Some(tail)
            if (tail.starts_with('+') || tail.starts_with('-'))
                && tail[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{}{}:{}", &s[..s.len() - 5], &tail[..3], &tail[3..])
        }
        // No offset: UTC.
        _ if !s.ends_with('Z') && !s.get(19..).unwrap_or("").contains(['+', '-']) => {
            format!("{s}Z")
        }
        _ => s.to_owned(),
    };
    OffsetDateTime::parse(&normalised, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Where this crate's answer differs from the suite's: a refusal whose reason contains the first
/// text, explained by the second. Each is stricter than the suite, never laxer.
const STRICTER: &[(&str, &str)] = &[
    (
        "is empty",
        "an empty code (tr, vp, ma, mp, co) is refused; the suite's NL cases accept it",
    ),
    (
        "v.sd is 0",
        "a series of 0 doses is refused (the schema's minimum is 1)",
    ),
    (
        "P-256 expected",
        "the signer's key is P-384 (ES384), outside the DCC's ES256 and PS256",
    ),
];

/// Cases this crate accepts although the suite expects a refusal, with why. Each has a valid
/// signature from its test signer and dates within validity; the disagreement is about what a
/// verifier refuses beyond that.
const ACCEPTED_AGAINST_SUITE: &[(&str, &str)] = &[
    (
        "IS/2DCode/raw/3.json",
        "the signer's extended key usage names only an ICAO usage and no DCC one; a signer \
         naming no DCC usage may sign every kind, as the EU's reference verifiers decide",
    ),
    (
        "NL/2DCode/raw/",
        "the NL generator's schema expectation: codes in the value sets, fields as the 1.0 to \
         1.3 schemas require; the rule it applies (a birth date after the test, a dose beyond \
         the series) is not a schema rule here",
    ),
];

/// Cases whose `JSON` is not what their CBOR holds, with why.
const JSON_DIFFERS: &[(&str, &str)] = &[
    (
        "PL/1.3.0/2DCode/raw/1.json",
        "the suite's JSON belongs to another certificate (another birth date)",
    ),
    (
        "PL/1.3.0/2DCode/raw/5.json",
        "the suite's JSON belongs to another certificate (another name)",
    ),
    (
        "PT/1.3.0/2DCode/raw/4.json",
        "the same instant, written with Z in the CBOR and +00:00 in the JSON",
    ),
];

/// The value sets of `../shared/testdata/dcc-valuesets/`, by file name.
fn value_sets() -> BTreeMap<String, Vec<String>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/dcc-valuesets");
    let mut sets = BTreeMap::new();
    for name in [
        "disease-agent-targeted",
        "vaccine-prophylaxis",
        "vaccine-medicinal-product",
        "vaccine-mah-manf",
        "country-2-codes",
        "test-manf-example",
        "test-type",
        "test-result",
    ] {
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let codes = json["valueSetValues"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        sets.insert(name.to_owned(), codes);
    }
    sets
}

/// The entry's codes that are not in their EU value set, as `field=code`.
fn codes_outside_value_sets(payload: &Value, sets: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let fields: &[(&str, &str, &str)] = &[
        ("v", "tg", "disease-agent-targeted"),
        ("v", "vp", "vaccine-prophylaxis"),
        ("v", "mp", "vaccine-medicinal-product"),
        ("v", "ma", "vaccine-mah-manf"),
        ("v", "co", "country-2-codes"),
        ("t", "tg", "disease-agent-targeted"),
        ("t", "tt", "test-type"),
        ("t", "tr", "test-result"),
        ("t", "ma", "test-manf-example"),
        ("t", "co", "country-2-codes"),
        ("r", "tg", "disease-agent-targeted"),
        ("r", "co", "country-2-codes"),
    ];
    let mut out = Vec::new();
    for (entry, field, set) in fields {
        for e in payload[entry].as_array().into_iter().flatten() {
            if let Some(code) = e[field].as_str() {
                if !sets[*set].iter().any(|c| c == code) {
                    out.push(format!("{entry}.{field}={code}"));
                }
            }
        }
    }
    out
}

/// The record's fields equal the payload's, field by field.
fn check_record(record: &Record, json: &Value) {
    let day = |d: &dyn std::fmt::Display| d.to_string();
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    match record {
        Record::Vaccination(r) => {
            let v = &json["v"][0];
            assert_eq!(r.disease, text(&v["tg"]));
            assert_eq!(r.vaccine, text(&v["vp"]));
            assert_eq!(r.product, text(&v["mp"]));
            assert_eq!(r.manufacturer, text(&v["ma"]));
            assert_eq!(u64::from(r.dose_number), v["dn"].as_u64().unwrap());
            assert_eq!(u64::from(r.total_doses), v["sd"].as_u64().unwrap());
            assert_eq!(day(&r.date), text(&v["dt"])[..10]);
            assert_eq!(r.country, text(&v["co"]));
        }
        Record::Recovery(r) => {
            let e = &json["r"][0];
            assert_eq!(r.disease, text(&e["tg"]));
            assert_eq!(day(&r.first_positive), text(&e["fr"]));
            assert_eq!(day(&r.valid_from), text(&e["df"]));
            assert_eq!(day(&r.valid_until), text(&e["du"]));
            assert_eq!(r.country, text(&e["co"]));
        }
        Record::Test(r) => {
            let e = &json["t"][0];
            assert_eq!(r.disease, text(&e["tg"]));
            assert_eq!(r.test_type, text(&e["tt"]));
            assert_eq!(r.result, text(&e["tr"]));
            assert_eq!(r.country, text(&e["co"]));
            // The UTC day: the written date, or one either side of it.
            let written: zkhealth_circuits::date::Day = text(&e["sc"])[..10].parse().unwrap();
            assert!(r.sample_day.0.abs_diff(written.0) <= 1);
            assert_eq!(
                r.centre.as_deref(),
                e["tc"]
                    .as_str()
                    .filter(|c| zkhealth_records::codes::encode(c).is_ok())
            );
        }
        other => panic!("a DCC maps to vaccination, recovery or test, not {other:?}"),
    }
    let dob = text(&json["dob"]);
    let (earliest, latest) = (
        r_dob(record).earliest.to_string(),
        r_dob(record).latest.to_string(),
    );
    if dob.len() == 10 && !dob.contains("-00") {
        assert_eq!(earliest, dob);
        assert_eq!(latest, dob);
    } else if !dob.is_empty() {
        assert!(
            earliest.starts_with(&dob[..4]) && latest.starts_with(&dob[..4]),
            "{dob}"
        );
    }
}

fn r_dob(record: &Record) -> zkhealth_circuits::date::DobInterval {
    match record {
        Record::Vaccination(r) => r.dob,
        Record::Recovery(r) => r.dob,
        Record::Test(r) => r.dob,
        other => panic!("{other:?}"),
    }
}

/// The first path where two JSON values differ.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|k| {
            first_difference(
                &x.get(k).cloned().unwrap_or(Value::Null),
                &y.get(k).cloned().unwrap_or(Value::Null),
                &format!("{path}.{k}"),
            )
        }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ => (a != b).then(|| format!("{path}: {a} against {b}")),
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    accepted: usize,
    refused_as_expected: usize,
    refused_untested: Vec<String>,
    stricter: Vec<String>,
    accepted_against_suite: Vec<String>,
    disagreements: Vec<String>,
}

#[test]
fn every_dgc_test_case_is_decided_as_the_suite_expects() {
    let mut by_country: BTreeMap<String, Tally> = BTreeMap::new();
    let all = cases();
    assert!(all.len() > 400, "{} cases", all.len());
    let mut wrong_yes = Vec::new();
    let sets = value_sets();
    let mut value_set_refusals = 0;
    let (mut mapped, mut unmapped) = (0, Vec::new());
    let mut algorithms: BTreeMap<String, usize> = BTreeMap::new();
    for (name, case) in &all {
        let country = name.split('/').next().unwrap_or("?").to_owned();
        let tally = by_country.entry(country).or_default();
        tally.cases += 1;
        let expected = case["EXPECTEDRESULTS"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let flags = |want: bool| -> Vec<&str> {
            expected
                .iter()
                .filter(|(flag, v)| v.as_bool() == Some(want) && !layers_of(flag).is_empty())
                .map(|(flag, _)| flag.as_str())
                .collect()
        };
        let (failing, passing) = (flags(false), flags(true));
        let ctx = &case["TESTCTX"];
        let mut trust = TrustList::new();
        let cert = ctx["CERTIFICATE"].as_str().unwrap_or("");
        let der = base64::engine::general_purpose::STANDARD.decode(cert);
        let trust_error = match der {
            Ok(der) => trust.add_der(&der).err().map(|e| e.to_string()),
            Err(e) => Some(format!("certificate not base64: {e}")),
        };
        let now = ctx["VALIDATIONCLOCK"].as_str().and_then(clock);
        let qr = case["PREFIX"].as_str().unwrap_or("");
        // Decoding never panics, whatever the case; verification needs a clock.
        let decoded = dcc::decode(qr);
        let outcome = match now {
            Some(now) => dcc::verify(qr, &trust, now),
            None => decoded.clone().and_then(|c| {
                c.check_signature(&trust)?;
                c.payload()?;
                Err(dcc::DccError {
                    layer: Layer::Expiry,
                    reason: "no usable clock".into(),
                })
            }),
        };
        let verdict = match (&outcome, failing.is_empty()) {
            (Ok(v), true) => {
                let pinned = JSON_DIFFERS.iter().find(|(n, _)| n == name);
                let diff = case
                    .get("JSON")
                    .and_then(|json| first_difference(&v.certificate.json, json, ""));
                if let Some(diff) = diff.filter(|_| pinned.is_none()) {
                    Err(format!("decoded payload differs from JSON at {diff}"))
                } else {
                    tally.accepted += 1;
                    *algorithms
                        .entry(format!("{:?}", v.certificate.algorithm))
                        .or_insert(0) += 1;
                    match v.payload.record() {
                        Ok(record) => {
                            check_record(&record, &v.certificate.json);
                            mapped += 1;
                        }
                        Err(e) => unmapped.push(format!("{name}: {e}")),
                    }
                    Ok(())
                }
            }
            // The suite's schema check includes the value sets; this crate keeps unknown codes
            // (and shows them as unknown), so it accepts such a certificate when its signature
            // and dates check out. Anything else accepted against the suite is a wrong yes.
            (Ok(v), false) => {
                let outside = codes_outside_value_sets(&v.certificate.json, &sets);
                let pinned = ACCEPTED_AGAINST_SUITE
                    .iter()
                    .find(|(n, _)| name.starts_with(n));
                if failing == ["EXPECTEDSCHEMAVALIDATION"] && !outside.is_empty() {
                    value_set_refusals += 1;
                    Ok(())
                } else if let Some((_, why)) = pinned {
                    tally.accepted_against_suite.push(format!("{name}: {why}"));
                    Ok(())
                } else {
                    wrong_yes.push(format!("{name}: accepted, expected {failing:?}"));
                    Err(format!("accepted, but {failing:?} expected false"))
                }
            }
            (Err(e), false) => {
                if failing
                    .iter()
                    .any(|flag| layers_of(flag).contains(&e.layer))
                {
                    tally.refused_as_expected += 1;
                    Ok(())
                } else {
                    Err(format!("refused at another layer than {failing:?}: {e}"))
                }
            }
            // Refused where the suite expects every tested layer to pass: a disagreement only
            // if the layer is one the suite tests.
            (Err(e), true) => {
                if passing
                    .iter()
                    .any(|flag| layers_of(flag).contains(&e.layer))
                {
                    Err(format!(
                        "refused: {e}{}",
                        trust_error
                            .as_ref()
                            .map(|t| format!(" (trust list: {t})"))
                            .unwrap_or_default()
                    ))
                } else {
                    tally.refused_untested.push(format!("{name}: {e}"));
                    Ok(())
                }
            }
        };
        if let Err(why) = verdict {
            match STRICTER.iter().find(|(reason, _)| why.contains(reason)) {
                Some((_, explained)) => tally.stricter.push(format!("{name}: {explained}")),
                None => tally.disagreements.push(format!("{name}: {why}")),
            }
        }
    }
    println!("| country | cases | accepted | refused as expected | refused at a layer the case does not test | refused, stricter than the suite | accepted against the suite | unexplained |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (country, t) in &by_country {
        println!(
            "| {country} | {} | {} | {} | {} | {} | {} | {} |",
            t.cases,
            t.accepted,
            t.refused_as_expected,
            t.refused_untested.len(),
            t.stricter.len(),
            t.accepted_against_suite.len(),
            t.disagreements.len()
        );
    }
    println!("accepted although the suite's schema check refuses a code outside the value sets: {value_set_refusals}");
    for t in by_country.values() {
        for r in &t.stricter {
            println!("stricter: {r}");
        }
        for r in &t.accepted_against_suite {
            println!("accepted against the suite: {r}");
        }
    }
    for t in by_country.values() {
        for r in &t.refused_untested {
            println!("untested: {r}");
        }
    }
    let unexplained: Vec<&String> = by_country.values().flat_map(|t| &t.disagreements).collect();
    for d in &unexplained {
        println!("{d}");
    }
    println!(
        "mapped to records: {mapped}; not mapped: {}",
        unmapped.len()
    );
    println!("accepted by algorithm: {algorithms:?}");
    // Both of the DCC's algorithms verify real certificates (the IS cases are PS256).
    assert!(
        algorithms.get("Es256").is_some_and(|n| *n > 200),
        "{algorithms:?}"
    );
    assert!(
        algorithms.get("Ps256").is_some_and(|n| *n >= 4),
        "{algorithms:?}"
    );
    for u in &unmapped {
        println!("not mapped: {u}");
    }
    // What cannot become a credential is a value that cannot be a code (a space, or longer
    // than 31 bytes), refused at the mapping layer with the field named.
    assert!(
        unmapped.iter().all(|u| u.contains("EU DCC mapping")),
        "{unmapped:#?}"
    );
    // 230 map; 28 NL tests name their type "a test", two NL vaccinations the 32-byte product
    // code "Inactivated-SARS-CoV-2-Vero-Cell", and SK/3 holds two vaccination entries.
    assert_eq!((mapped, unmapped.len()), (230, 31));
    assert!(
        wrong_yes.is_empty(),
        "accepted what the suite refuses: {wrong_yes:#?}"
    );
    assert!(unexplained.is_empty(), "{} unexplained", unexplained.len());
}

fn case(name: &str) -> Value {
    let text = std::fs::read_to_string(testdata().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn trust_of(case: &Value) -> TrustList {
    let der = base64::engine::general_purpose::STANDARD
        .decode(case["TESTCTX"]["CERTIFICATE"].as_str().unwrap())
        .unwrap();
    let mut trust = TrustList::new();
    trust.add_der(&der).unwrap();
    trust
}

/// `HC1:` text for COSE bytes, compressed and base45-encoded as issuers do.
fn qr_of(cose: &[u8]) -> String {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(cose).unwrap();
    format!("HC1:{}", base45::encode(z.finish().unwrap()))
}

#[test]
fn a_verified_vaccination_maps_field_by_field_and_each_layer_refuses_its_damage() {
    let at = case("AT/2DCode/raw/1.json");
    let qr = at["PREFIX"].as_str().unwrap();
    let trust = trust_of(&at);
    let now = clock(at["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap()).unwrap();
    let verified = dcc::verify(qr, &trust, now).unwrap();
    assert_eq!(verified.signer.kid.to_vec(), verified.certificate.kid);
    let record = verified.payload.vaccination().unwrap();
    let v = &at["JSON"]["v"][0];
    assert_eq!(record.disease, v["tg"].as_str().unwrap());
    assert_eq!(record.vaccine, v["vp"].as_str().unwrap());
    assert_eq!(record.product, v["mp"].as_str().unwrap());
    assert_eq!(record.manufacturer, v["ma"].as_str().unwrap());
    assert_eq!(u64::from(record.dose_number), v["dn"].as_u64().unwrap());
    assert_eq!(u64::from(record.total_doses), v["sd"].as_u64().unwrap());
    assert_eq!(record.date.to_string(), v["dt"].as_str().unwrap());
    assert_eq!(record.country, v["co"].as_str().unwrap());
    assert_eq!(record.dob.earliest, record.dob.latest);
    assert_eq!(record.dob.earliest.to_string().replace('-', ""), "19980226");

    let layer = |qr: &str| dcc::verify(qr, &trust, now).unwrap_err().layer;
    assert_eq!(layer(&qr.replacen("HC1:", "HC2:", 1)), Layer::Prefix);
    assert_eq!(layer(&format!("{qr}~")), Layer::Base45);
    assert_eq!(
        layer(&format!("HC1:{}", base45::encode(b"\x78\x9cgarbage"))),
        Layer::Zlib
    );
    assert_eq!(
        layer(&format!("HC1:{}", base45::encode(b"not zlib"))),
        Layer::Zlib
    );
    assert_eq!(layer(&qr_of(&[0xff, 0x00, 0x01])), Layer::Cbor);
    assert_eq!(layer(&qr_of(&[0x83, 0x01, 0x02, 0x03])), Layer::Cose);
    // One bit of the signature, then one of the payload.
    let cose = hex::decode(at["COSE"].as_str().unwrap()).unwrap();
    let mut bad_sig = cose.clone();
    *bad_sig.last_mut().unwrap() ^= 1;
    assert_eq!(layer(&qr_of(&bad_sig)), Layer::Signature);
    let at_payload = cose.windows(2).position(|w| w == b"AT").unwrap();
    let mut bad_payload = cose.clone();
    bad_payload[at_payload + 1] = b'U';
    assert_eq!(layer(&qr_of(&bad_payload)), Layer::Signature);
    // Another signer's list, and a clock after expiry.
    let other = trust_of(&case("DE/2DCode/raw/1.json"));
    let e = dcc::verify(qr, &other, now).unwrap_err();
    assert_eq!(e.layer, Layer::Signature);
    assert!(e.to_string().contains("no trusted document signer"), "{e}");
    let exp = verified.certificate.expires_at.unwrap();
    assert_eq!(
        dcc::verify(qr, &trust, exp + 1).unwrap_err().layer,
        Layer::Expiry
    );
    assert_eq!(
        dcc::verify(qr, &trust, verified.certificate.issued_at.unwrap() - 1)
            .unwrap_err()
            .layer,
        Layer::Expiry
    );
}

#[test]
fn trust_list_files_load_as_json_or_pem_and_check_key_ids() {
    let at = case("AT/2DCode/raw/1.json");
    let cert = at["TESTCTX"]["CERTIFICATE"].as_str().unwrap();
    let kid = trust_of(&at).signers()[0].kid_base64();
    let json = format!(
        r#"{{"certificates": [{{"certificate": "{cert}", "kid": "{kid}", "country": "AT"}}]}}"#
    );
    let list = TrustList::parse(&json).unwrap();
    assert_eq!(list.signers()[0].country.as_deref(), Some("AT"));
    let gateway = format!(r#"[{{"rawData": "{cert}", "kid": "{kid}"}}]"#);
    assert_eq!(TrustList::parse(&gateway).unwrap().signers().len(), 1);
    let wrong = format!(r#"[{{"rawData": "{cert}", "kid": "AAAAAAAAAAA="}}]"#);
    assert_eq!(
        TrustList::parse(&wrong).unwrap_err().layer,
        Layer::TrustList
    );
    let lines: Vec<String> = cert
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    );
    assert_eq!(
        TrustList::parse(&pem).unwrap().signers()[0].kid_base64(),
        kid
    );
    for bad in [
        "",
        "[]",
        "{\"certificates\": [{\"certificate\": \"!!\"}]}",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        assert_eq!(
            TrustList::parse(bad).unwrap_err().layer,
            Layer::TrustList,
            "{bad:?}"
        );
    }
}
