//! The SMART Health Cards examples of `../shared/testdata/shc/` (the specification's examples 00
//! to 03, signed by its example issuer), and cards signed here with a fixed test key to reach
//! each layer past the signature.
//!
//! Every example decodes alike from its numeric QR text, its compact JWS and its
//! `.smart-health-card` file, its payload equals the example's expanded and minified payload
//! JSON, and it verifies against the example issuer's JWKS from its `nbf` on; the chunked
//! example 02 is refused. Each way a card, a QR text or a JWKS can be wrong is refused at the
//! layer it belongs to.

#![cfg(feature = "shc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{io::Write, path::PathBuf};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zkhealth_records::shc::{
    self, decode_file, decode_jws, decode_qr, verify, Jwks, Jws, Layer, ShcError, MAX_INFLATED,
};

const ISSUER: &str = "https://spec.smarthealth.cards/examples/issuer";
const EXAMPLES: [&str; 4] = ["00", "01", "02", "03"];
/// The examples that fit one QR code.
const SINGLE_QR: [&str; 3] = ["00", "01", "03"];

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/shc/")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(testdata().join(name)).unwrap()
}

fn example(n: &str, part: &str) -> String {
    read(&format!("example-{n}-{part}"))
}

fn jwks_text() -> String {
    read("issuer/.well-known/jwks.json")
}

fn example_jwks() -> Jwks {
    Jwks::parse(&jwks_text()).unwrap().with_issuer(ISSUER)
}

/// The example's `nbf` (fractional), from its minified payload.
fn nbf_of(n: &str) -> f64 {
    let payload: Value = serde_json::from_str(&example(n, "c-jws-payload-minified.json")).unwrap();
    payload["nbf"].as_f64().unwrap()
}

/// The first whole second at or after the example's `nbf`.
fn valid_from(n: &str) -> i64 {
    nbf_of(n).ceil() as i64
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

/// RFC 7638, written out here independently of the library.
fn rfc7638(x: &str, y: &str) -> String {
    b64(Sha256::digest(format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#
    )))
}

/// The numeric QR encoding: each character c as the two digits of c − 45.
fn to_qr(jws: &str) -> String {
    let digits: String = jws.bytes().map(|c| format!("{:02}", c - 45)).collect();
    format!("shc:/{digits}")
}

fn refused<T: std::fmt::Debug>(result: Result<T, ShcError>, layer: Layer) -> ShcError {
    let err = result.expect_err("refused");
    assert_eq!(err.layer, layer, "{err}");
    err
}

/// A JWS's three parts.
fn parts(jws: &str) -> [String; 3] {
    let v: Vec<String> = jws.split('.').map(str::to_owned).collect();
    v.try_into().unwrap()
}

// ---------------------------------------------------------------------------------------------
// A test issuer with a fixed key, to sign cards that reach the layers after the signature.

const TEST_ISSUER: &str = "https://issuer.example";
const TEST_NBF: i64 = 1_700_000_000;

struct TestIssuer {
    key: SigningKey,
    kid: String,
    x: String,
    y: String,
}

impl TestIssuer {
    fn new() -> Self {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let point = key.verifying_key().to_encoded_point(false);
        let x = b64(point.x().unwrap());
        let y = b64(point.y().unwrap());
        TestIssuer {
            kid: rfc7638(&x, &y),
            key,
            x,
            y,
        }
    }

    fn jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "kid": self.kid,
               "use": "sig", "alg": "ES256"})
    }

    fn jwks(&self) -> Jwks {
        Jwks::parse(&json!({"keys": [self.jwk()]}).to_string())
            .unwrap()
            .with_issuer(TEST_ISSUER)
    }

    fn header(&self) -> Value {
        json!({"zip": "DEF", "alg": "ES256", "kid": self.kid})
    }

    /// Signs `header.payload` over the given compressed payload bytes.
    fn sign_raw(&self, header: &Value, deflated: &[u8]) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(deflated));
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
    }

    /// A card whose payload is `payload`, as text, compressed.
    fn sign_text(&self, payload: &str) -> String {
        self.sign_raw(&self.header(), &deflate(payload.as_bytes()))
    }

    fn sign(&self, payload: &Value) -> String {
        self.sign_text(&payload.to_string())
    }
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn test_payload() -> Value {
    json!({
        "iss": TEST_ISSUER,
        "nbf": TEST_NBF,
        "vc": {
            "type": [shc::HEALTH_CARD_TYPE],
            "credentialSubject": {
                "fhirVersion": "4.0.1",
                "fhirBundle": {"resourceType": "Bundle", "type": "collection", "entry": []}
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The examples.

#[test]
fn examples_decode_alike_from_qr_jws_and_file() {
    for n in EXAMPLES {
        let jws = example(n, "d-jws.txt");
        if SINGLE_QR.contains(&n) {
            let qr = example(n, "f-qr-code-numeric-value-0.txt");
            assert_eq!(decode_qr(&qr).unwrap(), jws, "example {n}");
            assert_eq!(decode_jws(&qr).unwrap(), decode_jws(&jws).unwrap());
        }
        assert_eq!(
            decode_file(&example(n, "e-file.smart-health-card")).unwrap(),
            vec![jws.clone()],
            "example {n}"
        );
        let card = decode_jws(&jws).unwrap();
        let minified: Value =
            serde_json::from_str(&example(n, "c-jws-payload-minified.json")).unwrap();
        let expanded: Value =
            serde_json::from_str(&example(n, "b-jws-payload-expanded.json")).unwrap();
        assert_eq!(card.payload, minified, "example {n}");
        assert_eq!(card.payload, expanded, "example {n}");
        assert_eq!(card.issuer, ISSUER);
        assert_eq!(card.nbf, valid_from(n));
        assert_eq!(card.types, vec![shc::HEALTH_CARD_TYPE.to_owned()]);
        assert_eq!(card.fhir_version.as_deref(), Some("4.0.1"));
        assert_eq!(
            card.bundle,
            minified["vc"]["credentialSubject"]["fhirBundle"]
        );
        assert!(example_jwks().by_kid(&card.kid).is_some(), "example {n}");
    }
}

#[test]
fn examples_verify_from_their_nbf() {
    for n in EXAMPLES {
        let jws = example(n, "d-jws.txt");
        let now = valid_from(n);
        let verified = verify(&jws, &example_jwks(), now).unwrap();
        assert_eq!(verified.card, decode_jws(&jws).unwrap());
        assert_eq!(verified.key.kid, verified.card.kid);
        // Unbound to an issuer, the same keys verify the same card.
        let unbound = Jwks::parse(&jwks_text()).unwrap();
        assert_eq!(verify(&jws, &unbound, now).unwrap().card, verified.card);
        for file_jws in decode_file(&example(n, "e-file.smart-health-card")).unwrap() {
            verify(&file_jws, &example_jwks(), now).unwrap();
        }
        if SINGLE_QR.contains(&n) {
            let qr = example(n, "f-qr-code-numeric-value-0.txt");
            assert_eq!(
                verify(&qr, &example_jwks(), now).unwrap().card,
                verified.card
            );
        }
    }
}

#[test]
fn examples_refused_one_second_before_their_nbf() {
    for n in EXAMPLES {
        let jws = example(n, "d-jws.txt");
        // The fractional nbf lies inside this second: the card is not valid yet.
        let now = valid_from(n) - 1;
        assert!((now as f64) < nbf_of(n));
        refused(verify(&jws, &example_jwks(), now), Layer::NotYetValid);
    }
}

#[test]
fn example_03_refused_from_its_exp() {
    let jws = example("03", "d-jws.txt");
    let payload: Value =
        serde_json::from_str(&example("03", "c-jws-payload-minified.json")).unwrap();
    let exp = payload["exp"].as_f64().unwrap().ceil() as i64;
    assert_eq!(decode_jws(&jws).unwrap().exp, Some(exp));
    verify(&jws, &example_jwks(), exp - 1).unwrap();
    refused(verify(&jws, &example_jwks(), exp), Layer::Expired);
}

#[test]
fn chunked_example_02_refused_as_deprecated() {
    for i in 0..3 {
        let qr = example("02", &format!("f-qr-code-numeric-value-{i}.txt"));
        assert!(qr.starts_with(&format!("shc:/{}/3/", i + 1)));
        let err = refused(decode_qr(&qr), Layer::Chunked);
        assert!(err.reason.contains("deprecated"), "{err}");
        refused(verify(&qr, &example_jwks(), i64::MAX), Layer::Chunked);
    }
}

#[test]
fn example_jwks_kids_are_rfc7638_thumbprints() {
    let file: Value = serde_json::from_str(&jwks_text()).unwrap();
    let keys = file["keys"].as_array().unwrap();
    let jwks = example_jwks();
    // Both keys load, the one with an x5c chain too.
    assert_eq!(jwks.keys().len(), keys.len());
    assert!(keys.iter().any(|k| k.get("x5c").is_some()));
    for key in keys {
        let kid = key["kid"].as_str().unwrap();
        assert_eq!(
            rfc7638(key["x"].as_str().unwrap(), key["y"].as_str().unwrap()),
            kid
        );
        assert!(jwks.by_kid(kid).is_some());
    }
    assert_eq!(jwks.issuer(), Some(ISSUER));
    assert_eq!(
        shc::jwks_url(ISSUER),
        "https://spec.smarthealth.cards/examples/issuer/.well-known/jwks.json"
    );
}

// ---------------------------------------------------------------------------------------------
// The signature and the keys.

#[test]
fn flipped_signature_byte_refused_at_signature() {
    let jws = example("00", "d-jws.txt");
    let [h, p, s] = parts(&jws);
    for at in [0, 31, 32, 63] {
        let mut signature = unb64(&s);
        signature[at] ^= 0x01;
        let tampered = format!("{h}.{p}.{}", b64(&signature));
        refused(
            verify(&tampered, &example_jwks(), valid_from("00")),
            Layer::Signature,
        );
    }
}

#[test]
fn zero_signature_scalars_refused_at_signature() {
    let jws = example("00", "d-jws.txt");
    let [h, p, _] = parts(&jws);
    let tampered = format!("{h}.{p}.{}", b64([0u8; 64]));
    refused(
        verify(&tampered, &example_jwks(), valid_from("00")),
        Layer::Signature,
    );
}

#[test]
fn flipped_payload_byte_refused_at_signature() {
    let jws = example("00", "d-jws.txt");
    let [h, p, s] = parts(&jws);
    let mut payload = unb64(&p);
    let middle = payload.len() / 2;
    payload[middle] ^= 0x01;
    let tampered = format!("{h}.{}.{s}", b64(&payload));
    refused(
        verify(&tampered, &example_jwks(), valid_from("00")),
        Layer::Signature,
    );
}

#[test]
fn unknown_kid_refused_at_key() {
    let jws = example("00", "d-jws.txt");
    let kid = decode_jws(&jws).unwrap().kid;
    // A JWKS holding only the example issuer's other key.
    let mut file: Value = serde_json::from_str(&jwks_text()).unwrap();
    file["keys"]
        .as_array_mut()
        .unwrap()
        .retain(|k| k["kid"] != kid.as_str());
    let other = Jwks::parse(&file.to_string()).unwrap();
    assert_eq!(other.keys().len(), 1);
    refused(verify(&jws, &other, valid_from("00")), Layer::Key);
    // The test issuer's key is not the example issuer's.
    refused(
        verify(&jws, &TestIssuer::new().jwks(), valid_from("00")),
        Layer::Key,
    );
}

#[test]
fn header_kid_of_the_other_key_refused_at_signature() {
    // The kid names a key of the JWKS, but not the one that signed.
    let jws = example("00", "d-jws.txt");
    let [_, p, s] = parts(&jws);
    let other = example_jwks()
        .keys()
        .iter()
        .find(|k| k.kid != decode_jws(&jws).unwrap().kid)
        .unwrap()
        .kid
        .clone();
    let header = json!({"zip": "DEF", "alg": "ES256", "kid": other});
    let tampered = format!("{}.{p}.{s}", b64(header.to_string()));
    refused(
        verify(&tampered, &example_jwks(), valid_from("00")),
        Layer::Signature,
    );
}

fn with_first_key(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut file: Value = serde_json::from_str(&jwks_text()).unwrap();
    edit(file["keys"][0].as_object_mut().unwrap());
    file.to_string()
}

#[test]
fn jwks_kid_not_the_thumbprint_refused_at_key() {
    // The other key's kid on this key.
    let file: Value = serde_json::from_str(&jwks_text()).unwrap();
    let second = file["keys"][1]["kid"].clone();
    let err = refused(
        Jwks::parse(&with_first_key(|k| {
            k.insert("kid".into(), second);
        })),
        Layer::Key,
    );
    assert!(err.reason.contains("thumbprint"), "{err}");
    // A kid that is not a thumbprint at all, and none.
    refused(
        Jwks::parse(&with_first_key(|k| {
            k.insert("kid".into(), json!("key-1"));
        })),
        Layer::Key,
    );
    refused(
        Jwks::parse(&with_first_key(|k| {
            k.remove("kid");
        })),
        Layer::Key,
    );
}

#[test]
fn non_p256_keys_refused_at_key() {
    let p384 = json!({"kty": "EC", "crv": "P-384", "x": b64([1u8; 48]), "y": b64([2u8; 48]),
                      "kid": "k", "use": "sig", "alg": "ES256"});
    let rsa = json!({"kty": "RSA", "n": b64([0xC5u8; 256]), "e": "AQAB", "kid": "k"});
    let okp = json!({"kty": "OKP", "crv": "Ed25519", "x": b64([3u8; 32]), "kid": "k"});
    for key in [p384, rsa, okp] {
        let text = json!({"keys": [key]}).to_string();
        refused(Jwks::parse(&text), Layer::Key);
    }
    // 48-byte coordinates under crv P-256.
    refused(
        Jwks::parse(&with_first_key(|k| {
            k.insert("x".into(), json!(b64([1u8; 48])));
        })),
        Layer::Key,
    );
    // Coordinates of no point of P-256 (the example's x with y + 1), kid their thumbprint.
    let file: Value = serde_json::from_str(&jwks_text()).unwrap();
    let x = file["keys"][0]["x"].as_str().unwrap().to_owned();
    let mut y = unb64(file["keys"][0]["y"].as_str().unwrap());
    y[31] ^= 0x01;
    let y = b64(&y);
    let off_curve = with_first_key(|k| {
        k.insert("y".into(), json!(y));
        k.insert("kid".into(), json!(rfc7638(&x, &y)));
    });
    let err = refused(Jwks::parse(&off_curve), Layer::Key);
    assert!(err.reason.contains("not a point"), "{err}");
}

#[test]
fn jwks_with_a_private_key_refused_at_key() {
    let text = with_first_key(|k| {
        k.insert("d".into(), json!(b64([9u8; 32])));
    });
    let err = refused(Jwks::parse(&text), Layer::Key);
    assert!(err.reason.contains("private"), "{err}");
}

#[test]
fn jwks_keys_for_other_uses_are_skipped() {
    let issuer = TestIssuer::new();
    let mut encryption = issuer.jwk();
    encryption["use"] = json!("enc");
    let mut hs256 = issuer.jwk();
    hs256["alg"] = json!("HS256");
    let rsa = json!({"kty": "RSA", "alg": "RS256", "n": b64([0xC5u8; 256]), "e": "AQAB"});
    let text = json!({"keys": [encryption, hs256, rsa, issuer.jwk()]}).to_string();
    assert_eq!(Jwks::parse(&text).unwrap().keys().len(), 1);
    // Keys for nothing but other uses: no key at all.
    let text = json!({"keys": [encryption, hs256, rsa]}).to_string();
    refused(Jwks::parse(&text), Layer::Key);
    refused(Jwks::parse(r#"{"keys": []}"#), Layer::Key);
    refused(Jwks::parse("[]"), Layer::Key);
    refused(Jwks::parse("not json"), Layer::Key);
}

// ---------------------------------------------------------------------------------------------
// The header and the JWS structure.

fn with_header(header: Value) -> String {
    let [_, p, s] = parts(&example("00", "d-jws.txt"));
    format!("{}.{p}.{s}", b64(header.to_string()))
}

const EXAMPLE_KID: &str = "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s";

#[test]
fn header_alg_other_than_es256_refused_at_jws() {
    for alg in [json!("none"), json!("HS256"), json!("ES384"), json!(7)] {
        let jws = with_header(json!({"zip": "DEF", "alg": alg, "kid": EXAMPLE_KID}));
        refused(decode_jws(&jws), Layer::Jws);
        refused(verify(&jws, &example_jwks(), i64::MAX), Layer::Jws);
    }
    let jws = with_header(json!({"zip": "DEF", "kid": EXAMPLE_KID}));
    refused(verify(&jws, &example_jwks(), i64::MAX), Layer::Jws);
    // alg none with an empty signature, as such tokens come.
    let [h, p, _] = parts(&with_header(
        json!({"zip": "DEF", "alg": "none", "kid": EXAMPLE_KID}),
    ));
    refused(
        verify(&format!("{h}.{p}."), &example_jwks(), i64::MAX),
        Layer::Jws,
    );
}

#[test]
fn header_zip_missing_or_other_refused_at_jws() {
    for header in [
        json!({"alg": "ES256", "kid": EXAMPLE_KID}),
        json!({"zip": "GZIP", "alg": "ES256", "kid": EXAMPLE_KID}),
        json!({"zip": null, "alg": "ES256", "kid": EXAMPLE_KID}),
    ] {
        let err = refused(
            verify(&with_header(header), &example_jwks(), i64::MAX),
            Layer::Jws,
        );
        assert!(err.reason.contains("zip"), "{err}");
    }
}

#[test]
fn header_kid_missing_or_crit_refused_at_jws() {
    for header in [
        json!({"zip": "DEF", "alg": "ES256"}),
        json!({"zip": "DEF", "alg": "ES256", "kid": ""}),
        json!({"zip": "DEF", "alg": "ES256", "kid": EXAMPLE_KID, "crit": ["b64"], "b64": false}),
    ] {
        refused(
            verify(&with_header(header), &example_jwks(), i64::MAX),
            Layer::Jws,
        );
    }
}

#[test]
fn garbage_base64url_refused_at_jws() {
    let [h, p, s] = parts(&example("00", "d-jws.txt"));
    let cases = [
        format!("!!{h}.{p}.{s}"),
        format!("{h}.{p}+.{s}"),
        format!("{h}.{p}/x.{s}"),
        format!("{h}.{p}.{s}=="),
        format!("{h}.{p} .{s}"),
        // Standard base64 padding of the header.
        format!(
            "{}.{p}.{s}",
            base64::engine::general_purpose::URL_SAFE.encode(unb64(&h))
        ),
        // A signature of 63 bytes.
        format!("{h}.{p}.{}", b64([1u8; 63])),
        // The header not JSON, or not an object.
        format!("{}.{p}.{s}", b64("zip=DEF")),
        format!("{}.{p}.{s}", b64("[\"ES256\"]")),
    ];
    for jws in cases {
        refused(decode_jws(&jws), Layer::Jws);
        refused(verify(&jws, &example_jwks(), i64::MAX), Layer::Jws);
    }
    // A last character with stray bits: 'BrPA' ends example 00's signature; 'BrPB' decodes to
    // the same bytes in a lax decoder.
    let stray = format!("{h}.{p}.{}B", s.strip_suffix('A').unwrap());
    refused(verify(&stray, &example_jwks(), i64::MAX), Layer::Jws);
}

#[test]
fn jws_without_three_parts_refused_at_jws() {
    let [h, p, s] = parts(&example("00", "d-jws.txt"));
    for jws in [
        String::new(),
        h.clone(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}..{p}.{s}"),
    ] {
        refused(decode_jws(&jws), Layer::Jws);
    }
}

#[test]
fn no_single_character_change_verifies() {
    let jws = example("00", "d-jws.txt");
    let jwks = example_jwks();
    let now = valid_from("00");
    for (at, c) in jws.char_indices() {
        let replacement = if c == 'A' { 'B' } else { 'A' };
        let mut changed = jws.clone();
        changed.replace_range(at..at + 1, &replacement.to_string());
        assert!(verify(&changed, &jwks, now).is_err(), "offset {at}");
    }
    for len in 0..jws.len() {
        assert!(verify(&jws[..len], &jwks, now).is_err(), "prefix of {len}");
    }
}

// ---------------------------------------------------------------------------------------------
// The numeric QR text.

#[test]
fn numeric_text_malformed_refused_at_numeric() {
    let cases = [
        "shc:/",
        "shc:/5",
        "shc:/567",
        "shc:/5678",
        "shc:/7756x6",
        "shc:/ab",
        "shc:/56 76",
        "shc:/５６",
        "shc:/56/76",
        "shc:/1//56",
    ];
    for qr in cases {
        refused(decode_qr(qr), Layer::Numeric);
        refused(verify(qr, &example_jwks(), i64::MAX), Layer::Numeric);
    }
    let err = refused(decode_qr("shc:/007800"), Layer::Numeric);
    assert!(err.reason.contains("78"), "{err}");
}

#[test]
fn numeric_pairs_span_dash_to_z() {
    assert_eq!(decode_qr("shc:/00017677").unwrap(), "-.yz");
    assert_eq!(decode_qr(" shc:/0001\n").unwrap(), "-.");
}

#[test]
fn text_without_the_prefix_refused_at_prefix() {
    for qr in ["", "SHC:/5676", "shc:5676", "HC1:NCFOXN", "5676"] {
        refused(decode_qr(qr), Layer::Prefix);
    }
}

#[test]
fn test_card_round_trips_through_numeric_text() {
    let issuer = TestIssuer::new();
    let jws = issuer.sign(&test_payload());
    let qr = to_qr(&jws);
    assert_eq!(decode_qr(&qr).unwrap(), jws);
    let verified = verify(&qr, &issuer.jwks(), TEST_NBF).unwrap();
    assert_eq!(verified.card.payload, test_payload());
    assert_eq!(verified.card.kid, issuer.kid);
    assert_eq!(verified.key.kid, issuer.kid);
    for n in SINGLE_QR {
        let jws = example(n, "d-jws.txt");
        assert_eq!(to_qr(&jws), example(n, "f-qr-code-numeric-value-0.txt"));
    }
}

// ---------------------------------------------------------------------------------------------
// The file.

#[test]
fn file_malformed_refused_at_file() {
    for file in [
        "",
        "[]",
        "{}",
        r#"{"verifiableCredential": []}"#,
        r#"{"verifiableCredential": "eyJ"}"#,
        r#"{"verifiableCredential": [1]}"#,
    ] {
        refused(decode_file(file), Layer::File);
    }
}

#[test]
fn file_entry_not_a_jws_refused_with_its_index() {
    let jws = example("00", "d-jws.txt");
    let file = json!({"verifiableCredential": [jws, "not a JWS"]}).to_string();
    let err = refused(decode_file(&file), Layer::Jws);
    assert!(err.reason.starts_with("verifiableCredential[1]"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Past the signature: DEFLATE, payload, clock, issuer (cards signed by the test issuer).

#[test]
fn test_card_verifies_from_nbf_and_not_before() {
    let issuer = TestIssuer::new();
    let jws = issuer.sign(&test_payload());
    verify(&jws, &issuer.jwks(), TEST_NBF).unwrap();
    refused(
        verify(&jws, &issuer.jwks(), TEST_NBF - 1),
        Layer::NotYetValid,
    );
    refused(verify(&jws, &issuer.jwks(), i64::MIN), Layer::NotYetValid);
    // A fractional nbf counts from the next whole second.
    let mut payload = test_payload();
    payload["nbf"] = json!(TEST_NBF as f64 + 0.001);
    let jws = issuer.sign(&payload);
    refused(verify(&jws, &issuer.jwks(), TEST_NBF), Layer::NotYetValid);
    verify(&jws, &issuer.jwks(), TEST_NBF + 1).unwrap();
}

#[test]
fn test_card_refused_from_its_exp() {
    let issuer = TestIssuer::new();
    let mut payload = test_payload();
    payload["exp"] = json!(TEST_NBF + 10);
    let jws = issuer.sign(&payload);
    verify(&jws, &issuer.jwks(), TEST_NBF + 9).unwrap();
    refused(verify(&jws, &issuer.jwks(), TEST_NBF + 10), Layer::Expired);
    refused(verify(&jws, &issuer.jwks(), i64::MAX), Layer::Expired);
}

#[test]
fn issuer_other_than_the_jwks_refused_at_issuer() {
    let jws = example("00", "d-jws.txt");
    let elsewhere = Jwks::parse(&jwks_text())
        .unwrap()
        .with_issuer("https://issuer.example");
    refused(verify(&jws, &elsewhere, valid_from("00")), Layer::Issuer);
    // A trailing slash is another issuer.
    let slash = Jwks::parse(&jwks_text())
        .unwrap()
        .with_issuer(format!("{ISSUER}/"));
    refused(verify(&jws, &slash, valid_from("00")), Layer::Issuer);
}

#[test]
fn oversize_deflate_refused_at_deflate() {
    let issuer = TestIssuer::new();
    // A valid payload padded with spaces to one byte beyond the limit: a thousandfold ratio.
    let compact = test_payload().to_string();
    let padded = |len: usize| format!("{compact}{}", " ".repeat(len - compact.len()));
    let at_limit = issuer.sign_text(&padded(MAX_INFLATED));
    verify(&at_limit, &issuer.jwks(), TEST_NBF).unwrap();
    let beyond = issuer.sign_text(&padded(MAX_INFLATED + 1));
    refused(verify(&beyond, &issuer.jwks(), TEST_NBF), Layer::Deflate);
    refused(decode_jws(&beyond), Layer::Deflate);
    // A bomb: 64 MiB of zeros in about 64 KiB.
    let bomb = issuer.sign_raw(&issuer.header(), &deflate(&vec![0u8; 64 << 20]));
    assert!(bomb.len() < 200_000);
    let err = refused(verify(&bomb, &issuer.jwks(), TEST_NBF), Layer::Deflate);
    assert!(err.reason.contains("more than"), "{err}");
    // Unsigned, it is refused at the signature, before anything is inflated.
    let [h, p, _] = parts(&bomb);
    let unsigned = format!("{h}.{p}.{}", b64([1u8; 64]));
    refused(
        verify(&unsigned, &issuer.jwks(), TEST_NBF),
        Layer::Signature,
    );
}

#[test]
fn deflate_malformed_truncated_or_trailing_refused_at_deflate() {
    let issuer = TestIssuer::new();
    let deflated = deflate(test_payload().to_string().as_bytes());
    let truncated = &deflated[..deflated.len() - 4];
    let mut trailing = deflated.clone();
    trailing.extend_from_slice(b"tail");
    // zlib rather than raw DEFLATE.
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(test_payload().to_string().as_bytes())
        .unwrap();
    let zlib = zlib.finish().unwrap();
    // Uncompressed JSON; a reserved block type (binary 11).
    let stored = test_payload().to_string().into_bytes();
    let reserved = vec![0x07, 0x00];
    for (name, bytes, why) in [
        ("truncated", truncated.to_vec(), "truncated"),
        ("empty", Vec::new(), "truncated"),
        ("trailing", trailing, "4 bytes after the end"),
        ("zlib", zlib, "not a raw DEFLATE stream"),
        ("uncompressed", stored, "not a raw DEFLATE stream"),
        ("reserved", reserved, "not a raw DEFLATE stream"),
    ] {
        let jws = issuer.sign_raw(&issuer.header(), &bytes);
        let err = refused(verify(&jws, &issuer.jwks(), TEST_NBF), Layer::Deflate);
        assert!(err.reason.contains(why), "{name}: {err}");
    }
}

/// A named change to a payload.
type Edit = (&'static str, fn(&mut Value));

#[test]
fn payload_malformed_refused_at_json() {
    let issuer = TestIssuer::new();
    let edits: [Edit; 12] = [
        ("no iss", |p| {
            p.as_object_mut().unwrap().remove("iss");
        }),
        ("empty iss", |p| p["iss"] = json!("")),
        ("no nbf", |p| {
            p.as_object_mut().unwrap().remove("nbf");
        }),
        ("nbf text", |p| p["nbf"] = json!("1700000000")),
        ("nbf huge", |p| p["nbf"] = json!(1e300)),
        ("exp text", |p| p["exp"] = json!("soon")),
        ("no vc", |p| {
            p.as_object_mut().unwrap().remove("vc");
        }),
        ("type not an array", |p| {
            p["vc"]["type"] = json!(shc::HEALTH_CARD_TYPE)
        }),
        ("no health-card type", |p| {
            p["vc"]["type"] = json!(["https://smarthealth.cards#immunization"])
        }),
        ("no bundle", |p| {
            p["vc"]["credentialSubject"]
                .as_object_mut()
                .unwrap()
                .remove("fhirBundle");
        }),
        ("bundle of another resource", |p| {
            p["vc"]["credentialSubject"]["fhirBundle"]["resourceType"] = json!("Patient")
        }),
        ("fhirVersion a number", |p| {
            p["vc"]["credentialSubject"]["fhirVersion"] = json!(4)
        }),
    ];
    for (name, edit) in edits {
        let mut payload = test_payload();
        edit(&mut payload);
        let jws = issuer.sign(&payload);
        assert_eq!(
            verify(&jws, &issuer.jwks(), TEST_NBF).unwrap_err().layer,
            Layer::Json,
            "{name}"
        );
    }
    for text in ["", "null", "[]", "{\"iss\": ", "\u{feff}{}"] {
        let jws = issuer.sign_text(text);
        refused(verify(&jws, &issuer.jwks(), TEST_NBF), Layer::Json);
    }
}

#[test]
fn verified_card_parses_through_jws() {
    let issuer = TestIssuer::new();
    let text = issuer.sign(&test_payload());
    let jws = Jws::parse(&text).unwrap();
    assert_eq!(jws.kid, issuer.kid);
    let jwks = issuer.jwks();
    assert_eq!(jws.check_signature(&jwks).unwrap().kid, issuer.kid);
    let card = jws.decode().unwrap();
    assert_eq!(
        card.bundle,
        test_payload()["vc"]["credentialSubject"]["fhirBundle"]
    );
    assert_eq!(jws.verify(&jwks, TEST_NBF).unwrap().card, card);
}

/// The example issuer's revocation list for its first key.
fn example_crl() -> shc::Crl {
    shc::Crl::parse(&read(
        "issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json",
    ))
    .unwrap()
}

#[test]
fn the_example_revocation_list_revokes_example_03_only_and_is_for_one_key() {
    let crl = example_crl();
    assert_eq!((crl.ctr, crl.rids.len()), (1, 4));
    for n in EXAMPLES {
        let verified =
            shc::verify(&example(n, "d-jws.txt"), &example_jwks(), valid_from(n)).unwrap();
        let result = verified.card.check_revocation(&crl);
        if n == "03" {
            // rid vwAjHdarZuc, listed with 1687450765: the card's nbf, 1687450764.657, is before.
            assert_eq!(verified.card.rid(), Some("vwAjHdarZuc"));
            let e = refused(result, Layer::Revoked);
            assert!(e.reason.contains("revoked"), "{e}");
        } else if n == "01" {
            // Signed with the issuer's other key, which has no list: this list is not its own.
            let e = refused(result, Layer::Revoked);
            assert!(e.reason.contains("is for key"), "{e}");
        } else {
            // 00 and 02 have rids the list does not name.
            assert!(result.is_ok(), "{n}: {result:?}");
        }
    }
    assert_eq!(
        shc::decode_jws(&example("01", "d-jws.txt")).unwrap().rid(),
        None
    );
}

#[test]
fn a_revocation_time_revokes_only_cards_issued_before_it() {
    let card = shc::decode_jws(&example("03", "d-jws.txt")).unwrap();
    let nbf = nbf_of("03");
    let kid = &card.kid;
    let list = |rid: &str| {
        shc::Crl::parse(&json!({"kid": kid, "method": "rid", "ctr": 2, "rids": [rid]}).to_string())
            .unwrap()
    };
    assert!(card.check_revocation(&list("vwAjHdarZuc")).is_err());
    assert!(card
        .check_revocation(&list(&format!("vwAjHdarZuc.{}", nbf + 1.0)))
        .is_err());
    assert!(card
        .check_revocation(&list(&format!("vwAjHdarZuc.{nbf}")))
        .is_ok());
    assert!(card
        .check_revocation(&list(&format!("vwAjHdarZuc.{}", nbf - 1.0)))
        .is_ok());
    assert!(card.check_revocation(&list("someoneElse")).is_ok());
    // Another key's list is refused, not read as "not revoked".
    let other = shc::Crl::parse(
        &json!({"kid": "EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw", "method": "rid", "ctr": 1, "rids": []})
            .to_string(),
    )
    .unwrap();
    refused(card.check_revocation(&other), Layer::Revoked);
}

#[test]
fn malformed_revocation_lists_are_refused() {
    for bad in [
        "",
        "[]",
        r#"{"method": "rid", "ctr": 1, "rids": []}"#,
        r#"{"kid": "k", "method": "other", "ctr": 1, "rids": []}"#,
        r#"{"kid": "k", "method": "rid", "rids": []}"#,
        r#"{"kid": "k", "method": "rid", "ctr": 1}"#,
        r#"{"kid": "k", "method": "rid", "ctr": 1, "rids": [7]}"#,
        r#"{"kid": "k", "method": "rid", "ctr": 1, "rids": ["abc.notatime"]}"#,
        r#"{"kid": "k", "method": "rid", "ctr": 1, "rids": [".123"]}"#,
    ] {
        refused(shc::Crl::parse(bad), Layer::Revoked);
    }
}
