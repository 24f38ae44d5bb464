//! The trust list: document-signer certificates (X.509), by key id.
//!
//! A document signer's key id is the first 8 bytes of the SHA-256 of its certificate's DER. Its
//! extended key usage may restrict it to some kinds of entry (the DCC's OIDs
//! `1.3.6.1.4.1.1847.2021.1.1` test, `.2` vaccination, `.3` recovery, and the variant
//! `1.3.6.1.4.1.0.1847.2021.1.*` some member states issued); a signer that names none of them may
//! sign all three.
//!
//! # File format
//!
//! [`TrustList::parse`] reads either:
//!
//! - **JSON**: `{"certificates": [{"certificate": "<base64 DER>", "kid": "<base64>",
//!   "country": "AT"}, …]}`, or a bare array of such objects. `kid` and `country` are optional;
//!   a `kid` given must equal the one computed from the certificate. `rawData` is accepted for
//!   `certificate`, so the EU gateway's trust-list entries load as they are.
//! - **PEM**: one or more `-----BEGIN CERTIFICATE-----` blocks.

use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use x509_cert::{
    der::{
        oid::{AssociatedOid, ObjectIdentifier},
        Decode, Encode,
    },
    ext::pkix::ExtendedKeyUsage,
    Certificate,
};

use super::{base64_std, DccError, Layer};

/// The kinds of entry a certificate holds, and a signer may be allowed to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// `v`.
    Vaccination,
    /// `t`.
    Test,
    /// `r`.
    Recovery,
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryKind::Vaccination => "vaccination",
            EntryKind::Test => "test",
            EntryKind::Recovery => "recovery",
        })
    }
}

/// A signer's public key.
#[derive(Debug, Clone)]
pub enum SignerKey {
    /// ECDSA P-256 (ES256).
    P256(p256::ecdsa::VerifyingKey),
    /// RSA (PS256).
    Rsa(rsa::RsaPublicKey),
}

impl SignerKey {
    /// `"P-256"` or `"RSA"`.
    pub fn kind(&self) -> &'static str {
        match self {
            SignerKey::P256(_) => "P-256",
            SignerKey::Rsa(_) => "RSA",
        }
    }
}

/// A trusted document signer.
#[derive(Debug, Clone)]
pub struct DocumentSigner {
    /// First 8 bytes of the SHA-256 of the DER.
    pub kid: [u8; 8],
    /// The certificate's subject, as text.
    pub subject: String,
    /// The country the trust list gave it, if any.
    pub country: Option<String>,
    /// Its public key.
    pub key: SignerKey,
    /// The kinds of entry its extended key usage names; empty: all.
    pub allowed: Vec<EntryKind>,
    /// The certificate's validity, in seconds since the Unix epoch: not before, not after.
    pub validity: (u64, u64),
    /// The certificate's DER.
    pub der: Vec<u8>,
}

impl DocumentSigner {
    /// A signer from its certificate's DER.
    pub fn from_der(der: &[u8]) -> Result<Self, DccError> {
        let bad = |what: &str, e: &dyn fmt::Display| {
            DccError::new(Layer::TrustList, format!("certificate {what}: {e}"))
        };
        let cert = Certificate::from_der(der).map_err(|e| bad("is not X.509 DER", &e))?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| bad("public key", &e))?;
        let key = match cert
            .tbs_certificate
            .subject_public_key_info
            .algorithm
            .oid
            .to_string()
            .as_str()
        {
            // id-ecPublicKey; p256 checks the curve.
            "1.2.840.10045.2.1" => SignerKey::P256(
                p256::pkcs8::DecodePublicKey::from_public_key_der(&spki)
                    .map_err(|e| bad("EC key (P-256 expected)", &e))?,
            ),
            // rsaEncryption.
            "1.2.840.113549.1.1.1" => SignerKey::Rsa(
                rsa::pkcs8::DecodePublicKey::from_public_key_der(&spki)
                    .map_err(|e| bad("RSA key", &e))?,
            ),
            other => return Err(bad("key algorithm", &format!("{other} is not EC or RSA"))),
        };
        let mut allowed = Vec::new();
        for ext in cert.tbs_certificate.extensions.iter().flatten() {
            if ext.extn_id != ExtendedKeyUsage::OID {
                continue;
            }
            let usage = ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                .map_err(|e| bad("extended key usage", &e))?;
            allowed.extend(usage.0.iter().filter_map(entry_kind_of));
        }
        let digest = Sha256::digest(der);
        let mut kid = [0u8; 8];
        kid.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        Ok(DocumentSigner {
            kid,
            subject: cert.tbs_certificate.subject.to_string(),
            country: None,
            key,
            allowed,
            validity: (
                cert.tbs_certificate
                    .validity
                    .not_before
                    .to_unix_duration()
                    .as_secs(),
                cert.tbs_certificate
                    .validity
                    .not_after
                    .to_unix_duration()
                    .as_secs(),
            ),
            der: der.to_vec(),
        })
    }

    /// Whether its extended key usage allows `kind`: a signer that names DCC usages may sign
    /// those kinds only; one that names none (no extension, or only other usages) may sign
    /// every kind, as the EU's reference verifiers decide.
    pub fn may_sign(&self, kind: EntryKind) -> bool {
        self.allowed.is_empty() || self.allowed.contains(&kind)
    }

    /// The key id in base64, as trust lists print it.
    pub fn kid_base64(&self) -> String {
        base64_std(&self.kid)
    }
}

/// The DCC's key-usage OIDs: `1.3.6.1.4.1.1847.2021.1.{1,2,3}` and the variant with `.0.` after
/// `1.3.6.1.4.1`.
fn entry_kind_of(oid: &ObjectIdentifier) -> Option<EntryKind> {
    let s = oid.to_string();
    let last = s
        .strip_prefix("1.3.6.1.4.1.1847.2021.1.")
        .or_else(|| s.strip_prefix("1.3.6.1.4.1.0.1847.2021.1."))?;
    match last {
        "1" => Some(EntryKind::Test),
        "2" => Some(EntryKind::Vaccination),
        "3" => Some(EntryKind::Recovery),
        _ => None,
    }
}

/// Trusted document signers.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    signers: Vec<DocumentSigner>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TrustFile {
    Object { certificates: Vec<TrustEntry> },
    List(Vec<TrustEntry>),
}

#[derive(Deserialize)]
struct TrustEntry {
    #[serde(alias = "rawData")]
    certificate: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    country: Option<String>,
}

impl TrustList {
    /// An empty list.
    pub fn new() -> Self {
        TrustList::default()
    }

    /// Adds a signer from its certificate's DER.
    pub fn add_der(&mut self, der: &[u8]) -> Result<&DocumentSigner, DccError> {
        let signer = DocumentSigner::from_der(der)?;
        self.signers.push(signer);
        self.signers
            .last()
            .ok_or_else(|| DccError::new(Layer::TrustList, "empty"))
    }

    /// Reads a trust-list file (JSON or PEM; see the module's documentation).
    pub fn parse(text: &str) -> Result<Self, DccError> {
        let trimmed = text.trim_start();
        let mut list = TrustList::new();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let file: TrustFile = serde_json::from_str(trimmed)
                .map_err(|e| DccError::new(Layer::TrustList, format!("JSON: {e}")))?;
            let entries = match file {
                TrustFile::Object { certificates } => certificates,
                TrustFile::List(entries) => entries,
            };
            for (i, entry) in entries.into_iter().enumerate() {
                let der = decode_base64(&entry.certificate).ok_or_else(|| {
                    DccError::new(
                        Layer::TrustList,
                        format!("entry {i}: the certificate is not base64"),
                    )
                })?;
                let mut signer = DocumentSigner::from_der(&der)
                    .map_err(|e| DccError::new(Layer::TrustList, format!("entry {i}: {e}")))?;
                if let Some(kid) = entry.kid {
                    if decode_base64(&kid).as_deref() != Some(&signer.kid[..]) {
                        return Err(DccError::new(
                            Layer::TrustList,
                            format!(
                                "entry {i}: key id {kid} is not the certificate's ({})",
                                signer.kid_base64()
                            ),
                        ));
                    }
                }
                signer.country = entry.country;
                list.signers.push(signer);
            }
        } else {
            // Block by block: x509-cert's chain loader panics on some damaged input.
            const END: &str = "-----END CERTIFICATE-----";
            let mut rest = text;
            while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
                let tail = rest.get(start..).unwrap_or("");
                let end = tail
                    .find(END)
                    .ok_or_else(|| DccError::new(Layer::TrustList, "PEM: unterminated block"))?;
                let block = tail.get(..end + END.len()).unwrap_or("");
                let (label, der) = x509_cert::der::pem::decode_vec(block.as_bytes())
                    .map_err(|e| DccError::new(Layer::TrustList, format!("PEM: {e}")))?;
                if label != "CERTIFICATE" {
                    return Err(DccError::new(
                        Layer::TrustList,
                        format!("PEM: {label} block"),
                    ));
                }
                list.add_der(&der)?;
                rest = tail.get(end + END.len()..).unwrap_or("");
            }
        }
        if list.signers.is_empty() {
            return Err(DccError::new(Layer::TrustList, "no certificates"));
        }
        Ok(list)
    }

    /// The signers with key id `kid` (several certificates may share the 8 bytes).
    pub fn by_kid(&self, kid: &[u8]) -> Vec<&DocumentSigner> {
        self.signers.iter().filter(|s| s.kid[..] == *kid).collect()
    }

    /// All signers.
    pub fn signers(&self) -> &[DocumentSigner] {
        &self.signers
    }
}

/// Standard base64, padded or not.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&s)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&s))
        .ok()
}
