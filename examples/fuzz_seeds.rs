//! Writes the seed corpora of the fuzz targets (`fuzz/`), from the same fixtures the tests use:
//! `cargo run --example fuzz_seeds -- fuzz/corpus`. One directory per target, a few valid
//! inputs in each, which the fuzzer then mutates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{fs, path::Path};

use zkhealth::{
    circuits::Fr,
    records::claims::{self, Claims},
    registry::store::RegistryStore,
    testing::{event_scope, today, World, ISSUER},
    verifier::{MemoryNullifiers, NullifierStore},
};

fn seed(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = dir.join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/corpus".into());
    let out = Path::new(&out);

    let depth = 2;
    let mut w = World::with_depth(1, depth);
    let held = w.vaccination();
    let standard = claims::standard_vaccination(ISSUER).unwrap();
    let disclosing = Claims::vaccination(ISSUER)
        .age_between(18, 65)
        .disclose("country")
        .build()
        .unwrap();
    for (i, policy) in [&standard, &disclosing].into_iter().enumerate() {
        let p = w
            .present(&held, policy, today(), Fr::from(7u8), event_scope(8))
            .unwrap();
        seed(
            out,
            "presentation",
            &format!("binary-{i}"),
            &p.to_bytes().unwrap(),
        );
        seed(
            out,
            "presentation",
            &format!("json-{i}"),
            p.to_json().as_bytes(),
        );
        seed(
            out,
            "presentation",
            &format!("qr-{i}"),
            p.to_qr_text().unwrap().as_bytes(),
        );
        seed(out, "proof", &format!("binary-{i}"), &p.proof.to_bytes());
        seed(
            out,
            "proof",
            &format!("hex-{i}"),
            p.proof.to_hex().as_bytes(),
        );
    }

    snarkjs_seeds(out);

    let prover = zkhealth::testing::prover_at(depth);
    let vk = prover.artifact().verifying_key();
    seed(out, "keys", "vk", &vk.to_file_bytes());
    seed(
        out,
        "keys",
        "artifact",
        &prover.artifact().to_file_bytes().unwrap(),
    );

    let coverage = Claims::coverage(ISSUER)
        .status_active()
        .category_covered("outpatient")
        .build()
        .unwrap();
    for (i, policy) in [&standard, &disclosing, &coverage].into_iter().enumerate() {
        let json = serde_json::to_vec(policy).unwrap();
        seed(out, "policy", &format!("policy-{i}"), &json);
    }

    let credential = serde_json::to_vec(&held.credential).unwrap();
    seed(out, "credential", "credential", &credential);
    let record = serde_json::to_vec(&zkhealth::testing::identity_record("1990-04-12")).unwrap();
    seed(out, "credential", "record", &record);

    let path = serde_json::to_vec(&w.registry.path(held.index).unwrap()).unwrap();
    seed(
        out,
        "merkle_path",
        "path",
        &[&[depth as u8][..], &path].concat(),
    );

    seed(out, "roots", "issuer-roots", w.roots().to_json().as_bytes());

    let mut used = MemoryNullifiers::new();
    for i in 0..3u8 {
        used.insert(&Fr::from(i), &Fr::from(100 + i)).unwrap();
    }
    seed(
        out,
        "nullifiers",
        "used",
        &serde_json::to_vec(&used).unwrap(),
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.redb");
    {
        let mut store = RegistryStore::open_or_create(&file, 4, 60).unwrap();
        store.bind_issuer(ISSUER).unwrap();
        for i in 1..4u64 {
            store.append(Fr::from(i), 1_750_000_000 + i).unwrap();
        }
        store.revoke(1, 1_750_000_010).unwrap();
    }
    seed(out, "registry_file", "registry", &fs::read(&file).unwrap());
    println!("seed corpora written to {}", out.display());
}

/// A small `.r1cs` and `.wtns`, and the start of a `.zkey` (protocol and Groth16 header for
/// BN254 at depth 1's sizes), for the `snarkjs` target.
fn snarkjs_seeds(out: &Path) {
    use zkhealth::prover::snarkjs::{r1cs::R1cs, wtns};
    let one = Fr::from(1u8);
    let r1cs = R1cs {
        num_wires: 4,
        num_public: 1,
        constraints: vec![[vec![(1, one)], vec![(1, one)], vec![(2, one)]]],
    };
    seed(out, "snarkjs", "r1cs", &r1cs.to_bytes());
    let values = [one, Fr::from(3u8), Fr::from(9u8), Fr::from(0u8)];
    seed(out, "snarkjs", "wtns", &wtns::to_bytes(&values).unwrap());
    // BN254's base and scalar field orders, little-endian.
    let q = hex_le("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");
    let r = hex_le("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");
    let mut header = Vec::new();
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&q);
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&r);
    for n in [4_400u32, 6, 8_192] {
        header.extend_from_slice(&n.to_le_bytes());
    }
    header.extend_from_slice(&[0u8; 64 * 3 + 128 * 3]);
    let mut zkey = Vec::new();
    zkey.extend_from_slice(b"zkey");
    zkey.extend_from_slice(&1u32.to_le_bytes());
    zkey.extend_from_slice(&2u32.to_le_bytes());
    for (kind, body) in [(1u32, 1u32.to_le_bytes().to_vec()), (2, header)] {
        zkey.extend_from_slice(&kind.to_le_bytes());
        zkey.extend_from_slice(&(body.len() as u64).to_le_bytes());
        zkey.extend_from_slice(&body);
    }
    seed(out, "snarkjs", "zkey-header", &zkey);

    health_data_seeds(out);
}

/// Seeds of the health-data decoders, from the public test data beside the repository
/// (`../shared/testdata/`); none when it is absent.
fn health_data_seeds(out: &Path) {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata");
    for case in [
        "AT/2DCode/raw/1.json",
        "DE/2DCode/raw/3.json",
        "CZ/2DCode/raw/13.json",
    ] {
        let Ok(text) = fs::read_to_string(testdata.join("dgc").join(case)) else {
            continue;
        };
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = case.replace('/', "-");
        seed(
            out,
            "dcc",
            &format!("{name}-qr"),
            json["PREFIX"].as_str().unwrap_or("").as_bytes(),
        );
        if let Some(cose) = json["COSE"].as_str() {
            seed(
                out,
                "dcc",
                &format!("{name}-cose"),
                &hex::decode(cose).unwrap_or_default(),
            );
        }
        seed(
            out,
            "dcc",
            &format!("{name}-payload"),
            json["JSON"].to_string().as_bytes(),
        );
        let trust =
            serde_json::json!({"certificates": [{"certificate": json["TESTCTX"]["CERTIFICATE"]}]});
        seed(
            out,
            "dcc",
            &format!("{name}-trust"),
            trust.to_string().as_bytes(),
        );
    }
    let shc = testdata.join("shc");
    for (file, name) in [
        ("example-00-d-jws.txt", "jws"),
        ("example-00-e-file.smart-health-card", "file"),
        ("example-00-f-qr-code-numeric-value-0.txt", "qr"),
        ("example-02-f-qr-code-numeric-value-0.txt", "qr-chunked"),
        ("issuer/.well-known/jwks.json", "jwks"),
        (
            "issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json",
            "crl",
        ),
    ] {
        if let Ok(bytes) = fs::read(shc.join(file)) {
            seed(out, "shc", name, &bytes);
        }
    }
    for file in [
        "Immunization-protocol.json",
        "Immunization-notGiven.json",
        "Patient-example.json",
        "Coverage-7546D.json",
        "Coverage-9876B1.json",
        "Bundle-bundle-transaction.json",
        "Claim-100150.json",
        "Claim-100151.json",
        "Claim-MED-00050.json",
        "Procedure-example.json",
    ] {
        if let Ok(bytes) = fs::read(testdata.join("fhir-r4").join(file)) {
            seed(out, "fhir", file, &bytes);
        }
    }
    claim_procedure_seeds(out, &testdata.join("fhir-r4"));
    if let Ok(bytes) = fs::read(shc.join("example-00-a-fhirBundle.json")) {
        seed(out, "fhir", "shc-bundle", &bytes);
    }
}

/// HL7's Claim-100150 with its item naming two procedures (a reference to HL7's
/// Procedure-example, and a SNOMED CT concept), the Procedure as a bundle entry and contained.
fn claim_procedure_seeds(out: &Path, fhir_r4: &Path) {
    use serde_json::{json, Value};
    let read = |file: &str| -> Option<Value> {
        let text = fs::read_to_string(fhir_r4.join(file)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let (Some(mut claim), Some(procedure)) =
        (read("Claim-100150.json"), read("Procedure-example.json"))
    else {
        return;
    };
    claim["procedure"] = json!([
        {"sequence": 1, "date": "2014-08-16",
         "procedureReference": {"reference": "Procedure/example"}},
        {"sequence": 2, "procedureCodeableConcept":
            {"coding": [{"system": "http://snomed.info/sct", "code": "80146002"}]}}
    ]);
    claim["item"][0]["procedureSequence"] = json!([1, 2]);
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:claim", "resource": claim},
        {"fullUrl": "http://example.org/fhir/Procedure/example", "resource": procedure}
    ]});
    seed(
        out,
        "fhir",
        "claim-procedure-bundle",
        bundle.to_string().as_bytes(),
    );
    let mut contained = procedure;
    contained["id"] = json!("p1");
    claim["procedure"][0]["procedureReference"]["reference"] = json!("#p1");
    claim["contained"] = json!([contained]);
    seed(
        out,
        "fhir",
        "claim-procedure-contained",
        claim.to_string().as_bytes(),
    );
}

fn hex_le(be: &str) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..be.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&be[i..i + 2], 16).unwrap())
        .collect();
    bytes.reverse();
    bytes
}
