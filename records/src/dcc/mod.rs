//! EU Digital COVID Certificates (`HC1:` QR codes): decoded layer by layer, verified against a
//! trust list of document-signer certificates and a clock the caller passes, and mapped to
//! records.
//!
//! ```text
//! HC1:…  →  base45  →  zlib  →  COSE_Sign1 (tag 18, untagged, or inside CWT tag 61)
//!        →  CWT claims: 1 issuer, 6 issued at, 4 expiry, -260/1 the certificate
//!        →  the payload (schema versions 1.0 to 1.3): name, date of birth, one entry v, t or r
//! ```
//!
//! [`decode`] goes as far as the bytes allow without a key, so that a certificate can be shown
//! ([`Certificate`]); [`verify`] then checks, in this order, that a document signer of the
//! [`TrustList`] with the certificate's key id signed it (ES256 or PS256), that the signer's
//! extended key usage allows its kind of entry, that the clock lies between issue and expiry
//! and the issue within the signer's own validity,
//! and that the payload follows the schema ([`Payload`]). Each refusal is a [`DccError`] whose
//! [`Layer`] names where it failed. The signature checks are p256's and rsa's, the COSE
//! structures coset's; nothing here computes cryptography itself.
//!
//! [`Payload::vaccination`] maps a verified vaccination entry to a
//! [`crate::VaccinationRecord`] (see there for the field-by-field mapping).

mod payload;
mod trust;

use coset::{cbor::value::Value, iana, AsCborValue, CoseSign1, RegisteredLabelWithPrivate};
use p256::ecdsa::signature::Verifier;
use sha2::Sha256;

pub use payload::{Name, Payload, Recovery, Test, Vaccination};
pub use trust::{DocumentSigner, EntryKind, SignerKey, TrustList};

/// The QR text's prefix: a health certificate, version 1.
pub const PREFIX: &str = "HC1:";

/// Largest decompressed certificate accepted (a real one is under 2 KiB).
pub const MAX_DECOMPRESSED: u64 = 64 * 1024;

/// Where decoding or verification stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The `HC1:` prefix.
    Prefix,
    /// Base45.
    Base45,
    /// zlib decompression.
    Zlib,
    /// CBOR: the COSE structure's or the claims' encoding.
    Cbor,
    /// COSE_Sign1: its structure, algorithm and key id.
    Cose,
    /// The signature, or no trusted signer for the key id.
    Signature,
    /// The signer's extended key usage does not cover the entry.
    KeyUsage,
    /// Not valid at the clock (expired, or issued later), or issued outside its signer's
    /// validity.
    Expiry,
    /// The payload does not follow the DCC schema.
    Schema,
    /// The trust list itself.
    TrustList,
    /// The mapping to a record.
    Mapping,
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layer::Prefix => "prefix",
            Layer::Base45 => "base45",
            Layer::Zlib => "zlib",
            Layer::Cbor => "CBOR",
            Layer::Cose => "COSE",
            Layer::Signature => "signature",
            Layer::KeyUsage => "key usage",
            Layer::Expiry => "expiry",
            Layer::Schema => "schema",
            Layer::TrustList => "trust list",
            Layer::Mapping => "mapping",
        })
    }
}

/// Why a certificate was refused: the layer and what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("EU DCC {layer}: {reason}")]
pub struct DccError {
    /// Where it failed.
    pub layer: Layer,
    /// What was wrong, for people.
    pub reason: String,
}

impl DccError {
    pub(crate) fn new(layer: Layer, reason: impl Into<String>) -> Self {
        DccError {
            layer,
            reason: reason.into(),
        }
    }
}

/// The signature algorithms the DCC allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA with P-256 and SHA-256.
    Es256,
    /// RSASSA-PSS with SHA-256 (salt of 32 bytes).
    Ps256,
}

/// A certificate decoded as far as it goes without a key: nothing in it is trusted yet.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The key id (protected header, else unprotected).
    pub kid: Vec<u8>,
    /// The signature algorithm of the protected header.
    pub algorithm: Algorithm,
    /// CWT claim 1, the issuing country.
    pub issuer: Option<String>,
    /// CWT claim 6, seconds since the Unix epoch.
    pub issued_at: Option<i64>,
    /// CWT claim 4, seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    /// The certificate (claim -260/1) as JSON, before the schema check.
    pub json: serde_json::Value,
    sign1: CoseSign1,
}

/// A certificate whose signature, signer, dates and schema all checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    /// What was decoded.
    pub certificate: Certificate,
    /// The payload, typed.
    pub payload: Payload,
    /// The document signer that signed it.
    pub signer: DocumentSigner,
}

/// `HC1:…` → base45 → zlib → CBOR → COSE_Sign1 → CWT claims, without checking the signature.
pub fn decode(qr: &str) -> Result<Certificate, DccError> {
    let body = qr.strip_prefix(PREFIX).ok_or_else(|| {
        DccError::new(
            Layer::Prefix,
            format!(
                "does not start with {PREFIX:?} (starts with {:?})",
                head(qr)
            ),
        )
    })?;
    let compressed =
        base45::decode(body).map_err(|e| DccError::new(Layer::Base45, e.to_string()))?;
    decode_cose(&inflate(&compressed)?)
}

/// The zlib layer: the specification compresses every certificate.
fn inflate(data: &[u8]) -> Result<Vec<u8>, DccError> {
    use std::io::Read;
    if data.first() != Some(&0x78) {
        return Err(DccError::new(
            Layer::Zlib,
            "not zlib-compressed (no zlib header)",
        ));
    }
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(MAX_DECOMPRESSED + 1)
        .read_to_end(&mut out)
        .map_err(|e| DccError::new(Layer::Zlib, e.to_string()))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(DccError::new(
            Layer::Zlib,
            format!("decompresses to more than {MAX_DECOMPRESSED} bytes"),
        ));
    }
    Ok(out)
}

/// The COSE layer and the CWT claims, from the CBOR bytes.
pub fn decode_cose(bytes: &[u8]) -> Result<Certificate, DccError> {
    let value: Value = coset::cbor::de::from_reader(bytes)
        .map_err(|e| DccError::new(Layer::Cbor, format!("COSE structure: {e}")))?;
    // CWT tag 61 around COSE_Sign1 tag 18, either optional.
    let value = match value {
        Value::Tag(61, inner) => *inner,
        other => other,
    };
    let value = match value {
        Value::Tag(18, inner) => *inner,
        Value::Tag(tag, _) => {
            return Err(DccError::new(
                Layer::Cose,
                format!("CBOR tag {tag} is not COSE_Sign1 (18)"),
            ))
        }
        other => other,
    };
    let sign1 = CoseSign1::from_cbor_value(value)
        .map_err(|e| DccError::new(Layer::Cose, format!("not a COSE_Sign1: {e}")))?;
    // The algorithm belongs in the protected header; some issuers put it in the unprotected one.
    // Either way it only selects the check that the signer's own key type fixes.
    let alg = sign1
        .protected
        .header
        .alg
        .as_ref()
        .or(sign1.unprotected.alg.as_ref());
    let algorithm = match alg {
        Some(RegisteredLabelWithPrivate::Assigned(iana::Algorithm::ES256)) => Algorithm::Es256,
        Some(RegisteredLabelWithPrivate::Assigned(iana::Algorithm::PS256)) => Algorithm::Ps256,
        Some(other) => {
            return Err(DccError::new(
                Layer::Cose,
                format!("algorithm {other:?} is neither ES256 nor PS256"),
            ))
        }
        None => return Err(DccError::new(Layer::Cose, "no algorithm in either header")),
    };
    let kid = if sign1.protected.header.key_id.is_empty() {
        sign1.unprotected.key_id.clone()
    } else {
        sign1.protected.header.key_id.clone()
    };
    if kid.is_empty() {
        return Err(DccError::new(Layer::Cose, "no key id in either header"));
    }
    let payload = sign1
        .payload
        .as_deref()
        .ok_or_else(|| DccError::new(Layer::Cose, "detached payload"))?;
    let claims: Value = coset::cbor::de::from_reader(payload)
        .map_err(|e| DccError::new(Layer::Cbor, format!("CWT claims: {e}")))?;
    let Value::Map(claims) = claims else {
        return Err(DccError::new(Layer::Cbor, "CWT claims are not a map"));
    };
    let mut certificate = Certificate {
        kid,
        algorithm,
        issuer: None,
        issued_at: None,
        expires_at: None,
        json: serde_json::Value::Null,
        sign1: sign1.clone(),
    };
    let mut hcert = None;
    for (key, value) in claims {
        match int_key(&key) {
            Some(1) => certificate.issuer = Some(text(value, "claim 1 (issuer)")?),
            Some(4) => certificate.expires_at = Some(seconds(&value, "claim 4 (expiry)")?),
            Some(6) => certificate.issued_at = Some(seconds(&value, "claim 6 (issued at)")?),
            Some(-260) => hcert = Some(value),
            _ => {}
        }
    }
    let Some(Value::Map(hcert)) = hcert else {
        return Err(DccError::new(
            Layer::Cbor,
            "no health certificate map (claim -260)",
        ));
    };
    let dcc = hcert
        .into_iter()
        .find_map(|(k, v)| (int_key(&k) == Some(1)).then_some(v))
        .ok_or_else(|| DccError::new(Layer::Cbor, "no EU DCC (claim -260/1)"))?;
    certificate.json = to_json(dcc, 0)?;
    Ok(certificate)
}

impl Certificate {
    /// The signature, against the trusted document signer with this key id.
    pub fn check_signature<'t>(
        &self,
        trust: &'t TrustList,
    ) -> Result<&'t DocumentSigner, DccError> {
        let signers = trust.by_kid(&self.kid);
        if signers.is_empty() {
            return Err(DccError::new(
                Layer::Signature,
                format!(
                    "no trusted document signer has key id {}",
                    base64_std(&self.kid)
                ),
            ));
        }
        let mut last = None;
        for signer in signers {
            match self.sign1.verify_signature(b"", |sig, data| {
                check(self.algorithm, &signer.key, sig, data)
            }) {
                Ok(()) => return Ok(signer),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| DccError::new(Layer::Signature, "not verified")))
    }

    /// Issued no later than `now` and not expired at `now` (seconds since the Unix epoch).
    pub fn check_validity(&self, now: i64) -> Result<(), DccError> {
        if let Some(exp) = self.expires_at {
            if now > exp {
                return Err(DccError::new(
                    Layer::Expiry,
                    format!("expired at {exp}, {} s before the clock", now - exp),
                ));
            }
        }
        if let Some(iat) = self.issued_at {
            if iat > now {
                return Err(DccError::new(
                    Layer::Expiry,
                    format!("issued at {iat}, after the clock ({now})"),
                ));
            }
        }
        Ok(())
    }

    /// The payload, checked against the DCC schema.
    pub fn payload(&self) -> Result<Payload, DccError> {
        Payload::from_json(&self.json)
    }
}

/// Decodes and verifies `qr` against `trust` at `now` (seconds since the Unix epoch): signature,
/// key usage, validity, schema, in that order.
pub fn verify(qr: &str, trust: &TrustList, now: i64) -> Result<Verified, DccError> {
    let certificate = decode(qr)?;
    verify_decoded(certificate, trust, now)
}

/// [`verify`] for a certificate already decoded.
pub fn verify_decoded(
    certificate: Certificate,
    trust: &TrustList,
    now: i64,
) -> Result<Verified, DccError> {
    let signer = certificate.check_signature(trust)?.clone();
    let kind = payload::entry_kind(&certificate.json);
    if let Some(kind) = kind {
        if !signer.may_sign(kind) {
            return Err(DccError::new(
                Layer::KeyUsage,
                format!("the document signer's extended key usage does not cover {kind} entries"),
            ));
        }
    }
    certificate.check_validity(now)?;
    // A document signer signs only while its certificate is valid.
    if let Some(iat) = certificate.issued_at {
        let (from, until) = signer.validity;
        let inside = u64::try_from(iat).is_ok_and(|t| (from..=until).contains(&t));
        if !inside {
            return Err(DccError::new(
                Layer::Expiry,
                format!(
                    "issued at {iat}, outside the document signer's validity ({from} to {until})"
                ),
            ));
        }
    }
    let payload = certificate.payload()?;
    Ok(Verified {
        certificate,
        payload,
        signer,
    })
}

fn check(algorithm: Algorithm, key: &SignerKey, sig: &[u8], data: &[u8]) -> Result<(), DccError> {
    let bad = |e: &dyn std::fmt::Display| DccError::new(Layer::Signature, e.to_string());
    match (algorithm, key) {
        (Algorithm::Es256, SignerKey::P256(key)) => {
            let sig = p256::ecdsa::Signature::from_slice(sig).map_err(|e| bad(&e))?;
            key.verify(data, &sig)
                .map_err(|_| DccError::new(Layer::Signature, "ES256 signature does not verify"))
        }
        (Algorithm::Ps256, SignerKey::Rsa(key)) => {
            let verifier = rsa::pss::VerifyingKey::<Sha256>::new(key.clone());
            let sig = rsa::pss::Signature::try_from(sig).map_err(|e| bad(&e))?;
            verifier
                .verify(data, &sig)
                .map_err(|_| DccError::new(Layer::Signature, "PS256 signature does not verify"))
        }
        (algorithm, key) => Err(DccError::new(
            Layer::Signature,
            format!(
                "{algorithm:?} signature but the signer's key is {}",
                key.kind()
            ),
        )),
    }
}

fn head(s: &str) -> String {
    s.chars().take(8).collect()
}

/// A key id as trust lists print it (standard base64).
pub fn base64_kid(kid: &[u8]) -> String {
    base64_std(kid)
}

pub(crate) fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn int_key(key: &Value) -> Option<i128> {
    match key {
        Value::Integer(i) => Some(i128::from(*i)),
        _ => None,
    }
}

fn text(value: Value, what: &str) -> Result<String, DccError> {
    match value {
        Value::Text(s) => Ok(s),
        _ => Err(DccError::new(Layer::Cbor, format!("{what} is not text"))),
    }
}

/// A CWT NumericDate: seconds since the Unix epoch, an integer or a float (whose fraction is
/// dropped, toward the past), optionally under tag 1.
fn seconds(value: &Value, what: &str) -> Result<i64, DccError> {
    let n = match value {
        Value::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        Value::Float(f) if f.is_finite() && f.abs() < 1e15 => Some(f.floor() as i64),
        Value::Tag(1, inner) => return seconds(inner, what),
        _ => None,
    };
    n.ok_or_else(|| DccError::new(Layer::Cbor, format!("{what} is not a time in seconds")))
}

/// Deepest nesting accepted in the payload (a real one nests three levels).
const MAX_DEPTH: usize = 16;

/// The payload's CBOR as JSON: text keys, integers, floats, text, arrays, maps; tags (such as
/// 1004, a full date) are read through.
fn to_json(value: Value, depth: usize) -> Result<serde_json::Value, DccError> {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return Err(DccError::new(Layer::Cbor, "payload nested too deeply"));
    }
    Ok(match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(b),
        Value::Text(s) => J::String(s),
        Value::Integer(i) => {
            let i = i128::from(i);
            if let Ok(n) = i64::try_from(i) {
                J::from(n)
            } else if let Ok(n) = u64::try_from(i) {
                J::from(n)
            } else {
                return Err(DccError::new(Layer::Cbor, "integer out of range"));
            }
        }
        Value::Float(f) => serde_json::Number::from_f64(f)
            .map(J::Number)
            .ok_or_else(|| DccError::new(Layer::Cbor, "a float that is not a number"))?,
        Value::Array(items) => J::Array(
            items
                .into_iter()
                .map(|v| to_json(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let Value::Text(k) = k else {
                    return Err(DccError::new(Layer::Cbor, "payload map key is not text"));
                };
                map.insert(k, to_json(v, depth + 1)?);
            }
            J::Object(map)
        }
        Value::Tag(_, inner) => to_json(*inner, depth + 1)?,
        Value::Bytes(_) => return Err(DccError::new(Layer::Cbor, "byte string in the payload")),
        _ => {
            return Err(DccError::new(
                Layer::Cbor,
                "unsupported CBOR value in the payload",
            ))
        }
    })
}
