//! SMART Health Cards (`shc:/` QR text, `.smart-health-card` files): decoded layer by layer and
//! verified against the issuer's JSON Web Key Set and a clock the caller passes.
//!
//! ```text
//! shc:/5676290952…     →  digit pairs: n (0 to 77) is the character n + 45  →  compact JWS
//! .smart-health-card   →  {"verifiableCredential": ["<compact JWS>", …]}     →  compact JWS
//! compact JWS          →  header . payload . signature, each base64url without padding
//!   header             →  {"zip": "DEF", "alg": "ES256", "kid": "<RFC 7638 thumbprint>"}
//!   payload            →  raw DEFLATE (at most 64 KiB inflated)  →  JSON
//!                         {"iss", "nbf", "exp"?, "vc": {"type", "credentialSubject":
//!                                                     {"fhirVersion", "fhirBundle"}}}
//!   signature          →  ES256, r ‖ s, over the ASCII text `header.payload`
//! ```
//!
//! [`decode_qr`] and [`decode_file`] give the compact JWS; [`decode_jws`] goes as far as the
//! bytes allow without a key, so that a card can be shown ([`Card`]: nothing in it is trusted).
//! [`verify`] checks, in this order: the JWS's structure and header ([`Jws::parse`]: three
//! base64url parts, ES256, DEFLATE, a key id); that the [`Jwks`] holds a key with that id; the
//! signature; only then the payload, inflated and read ([`Jws::decode`]); that the clock is not
//! before `nbf` and, if the card has an `exp`, not at or after it ([`Card::check_validity`]);
//! and, if the [`Jwks`] is bound to an issuer ([`Jwks::with_issuer`]), that `iss` names that
//! issuer ([`Card::check_issuer`]). Nothing unsigned is decompressed on the way to a verified
//! card. Each refusal is an [`ShcError`] whose [`Layer`] names where it failed. The signature
//! check is p256's, the inflation flate2's; nothing here computes cryptography itself.
//!
//! Chunked QR codes (`shc:/1/3/…`) are deprecated by the specification and refused. The FHIR
//! bundle is kept as JSON for [`crate::fhir`] to map.
//!
//! Revocation is checked against the issuer's list for the card's key when the caller has it
//! ([`Crl`], [`Card::check_revocation`]). Not checked here: the `x5c` certificate chains some
//! keys carry, and whether the issuer is one to trust at all: that is the choice of the JWKS the
//! caller passes.

use serde::Deserialize;
use serde_json::{Map, Value};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use flate2::{Decompress, FlushDecompress, Status};
use p256::ecdsa::{signature::Verifier, Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// The QR text's prefix.
pub const PREFIX: &str = "shc:/";

/// Largest inflated payload accepted (the specification's largest example is under 32 KiB).
pub const MAX_INFLATED: usize = 64 * 1024;

/// The `vc.type` entry every SMART Health Card carries.
pub const HEALTH_CARD_TYPE: &str = "https://smarthealth.cards#health-card";

/// Where decoding or verification stopped, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The `shc:/` prefix.
    Prefix,
    /// A chunked QR code (`shc:/1/3/…`), deprecated by the specification.
    Chunked,
    /// The numeric encoding: digit pairs from 00 to 77.
    Numeric,
    /// The `.smart-health-card` file: its JSON and its `verifiableCredential` list.
    File,
    /// The compact JWS: its three parts, their base64url, the header.
    Jws,
    /// The issuer's keys: the JWKS itself, or no key with the card's key id.
    Key,
    /// The ES256 signature.
    Signature,
    /// The payload's raw DEFLATE compression.
    Deflate,
    /// The payload's JSON: its claims and their types.
    Json,
    /// The clock is before the card's `nbf`.
    NotYetValid,
    /// The clock is at or after the card's `exp`.
    Expired,
    /// `iss` is not the issuer the JWKS belongs to.
    Issuer,
    /// The issuer revoked the card (its `rid` is on the issuer's revocation list), or the list
    /// itself is malformed or another key's.
    Revoked,
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layer::Prefix => "prefix",
            Layer::Chunked => "chunked QR",
            Layer::Numeric => "numeric QR",
            Layer::File => "file",
            Layer::Jws => "JWS",
            Layer::Key => "key",
            Layer::Signature => "signature",
            Layer::Deflate => "DEFLATE",
            Layer::Json => "payload JSON",
            Layer::NotYetValid => "not yet valid",
            Layer::Expired => "expired",
            Layer::Issuer => "issuer",
            Layer::Revoked => "revocation",
        })
    }
}

/// Why a card was refused: the layer and what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMART Health Card {layer}: {reason}")]
pub struct ShcError {
    /// Where it failed.
    pub layer: Layer,
    /// What was wrong, for people.
    pub reason: String,
}

impl ShcError {
    pub(crate) fn new(layer: Layer, reason: impl Into<String>) -> Self {
        ShcError {
            layer,
            reason: reason.into(),
        }
    }
}

/// `shc:/<digits>` → the compact JWS. Surrounding ASCII whitespace is ignored.
pub fn decode_qr(text: &str) -> Result<String, ShcError> {
    let text = text.trim_ascii();
    let body = text.strip_prefix(PREFIX).ok_or_else(|| {
        ShcError::new(
            Layer::Prefix,
            format!(
                "does not start with {PREFIX:?} (starts with {:?})",
                head(text)
            ),
        )
    })?;
    refuse_chunked(body)?;
    numeric(body)
}

/// `i/n/<digits>`: the `i`-th of `n` chunks.
fn refuse_chunked(body: &str) -> Result<(), ShcError> {
    let mut parts = body.splitn(3, '/');
    let (Some(index), Some(count), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(());
    };
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if is_number(index) && is_number(count) {
        return Err(ShcError::new(
            Layer::Chunked,
            format!(
                "chunk {} of {}: chunked QR codes are deprecated by the SMART Health Cards \
                 specification and not supported; a card fits one QR code (or use its \
                 .smart-health-card file)",
                head(index),
                head(count)
            ),
        ));
    }
    Ok(())
}

/// Digit pairs to characters: `n` is `n + 45`, so 00 is `-` and 77 is `z`.
fn numeric(digits: &str) -> Result<String, ShcError> {
    if digits.is_empty() {
        return Err(ShcError::new(Layer::Numeric, "no digits after the prefix"));
    }
    if let Some((at, c)) = digits.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(ShcError::new(
            Layer::Numeric,
            format!("{c:?} at offset {at} is not a digit"),
        ));
    }
    if !digits.len().is_multiple_of(2) {
        return Err(ShcError::new(
            Layer::Numeric,
            format!(
                "{} digits, an odd number: each character takes two",
                digits.len()
            ),
        ));
    }
    let mut jws = String::with_capacity(digits.len() / 2);
    for (i, pair) in digits.as_bytes().chunks_exact(2).enumerate() {
        // ASCII digits only (checked above): at most 99.
        let n = pair.iter().fold(0u8, |acc, d| acc * 10 + (d - b'0'));
        if n > 77 {
            return Err(ShcError::new(
                Layer::Numeric,
                format!("digit pair {i} (offset {}) is {n}, beyond 77", 2 * i),
            ));
        }
        jws.push(char::from(n + 45));
    }
    Ok(jws)
}

#[derive(Deserialize)]
struct CardFile {
    #[serde(rename = "verifiableCredential")]
    verifiable_credential: Vec<String>,
}

/// A `.smart-health-card` file → its compact JWSs, each checked by [`Jws::parse`] (structure
/// and header; not signature, not payload).
pub fn decode_file(json: &str) -> Result<Vec<String>, ShcError> {
    let file: CardFile = serde_json::from_str(json)
        .map_err(|e| ShcError::new(Layer::File, format!("not a .smart-health-card file: {e}")))?;
    if file.verifiable_credential.is_empty() {
        return Err(ShcError::new(Layer::File, "verifiableCredential is empty"));
    }
    for (i, jws) in file.verifiable_credential.iter().enumerate() {
        Jws::parse(jws).map_err(|e| {
            ShcError::new(e.layer, format!("verifiableCredential[{i}]: {}", e.reason))
        })?;
    }
    Ok(file.verifiable_credential)
}

/// A compact JWS split into its parts, the header checked: ES256, DEFLATE, a key id. Neither its
/// signature nor its payload has been checked.
#[derive(Debug, Clone)]
pub struct Jws {
    /// The header's key id, to look up in the issuer's [`Jwks`].
    pub kid: String,
    /// `header.payload` as it was signed.
    signing_input: String,
    /// The payload, still compressed.
    deflated: Vec<u8>,
    /// `r ‖ s`.
    signature: [u8; 64],
}

impl Jws {
    /// Splits and decodes a compact JWS and checks its header. Surrounding ASCII whitespace is
    /// ignored. A header naming critical extensions (`crit`) is refused: none is understood.
    pub fn parse(text: &str) -> Result<Self, ShcError> {
        let text = text.trim_ascii();
        let mut parts = text.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ShcError::new(
                Layer::Jws,
                format!(
                    "{} parts separated by '.', not the 3 of a compact JWS",
                    text.split('.').count()
                ),
            ));
        };
        let header: Map<String, Value> = serde_json::from_slice(&base64url(header_b64, "header")?)
            .map_err(|e| ShcError::new(Layer::Jws, format!("header is not a JSON object: {e}")))?;
        match header.get("alg") {
            Some(Value::String(alg)) if alg == "ES256" => {}
            Some(Value::String(alg)) => {
                return Err(ShcError::new(
                    Layer::Jws,
                    format!(
                        "alg is {:?}: SMART Health Cards are signed with ES256 only",
                        head(alg)
                    ),
                ))
            }
            Some(_) => return Err(ShcError::new(Layer::Jws, "alg is not text")),
            None => return Err(ShcError::new(Layer::Jws, "no alg in the header")),
        }
        match header.get("zip") {
            Some(Value::String(zip)) if zip == "DEF" => {}
            Some(Value::String(zip)) => {
                return Err(ShcError::new(
                    Layer::Jws,
                    format!("zip is {:?}, not \"DEF\" (raw DEFLATE)", head(zip)),
                ))
            }
            Some(_) => return Err(ShcError::new(Layer::Jws, "zip is not text")),
            None => {
                return Err(ShcError::new(
                    Layer::Jws,
                    "no zip in the header: the payload must be compressed (\"zip\": \"DEF\")",
                ))
            }
        }
        let kid = match header.get("kid") {
            Some(Value::String(kid)) if !kid.is_empty() => kid.clone(),
            Some(_) => return Err(ShcError::new(Layer::Jws, "kid is empty or not text")),
            None => return Err(ShcError::new(Layer::Jws, "no kid in the header")),
        };
        if header.contains_key("crit") {
            return Err(ShcError::new(
                Layer::Jws,
                "the header names critical extensions (crit), none of which is supported",
            ));
        }
        let deflated = base64url(payload_b64, "payload")?;
        let signature = base64url(signature_b64, "signature")?;
        let signature = <[u8; 64]>::try_from(signature.as_slice()).map_err(|_| {
            ShcError::new(
                Layer::Jws,
                format!(
                    "signature is {} bytes, not the 64 of ES256's r ‖ s",
                    signature.len()
                ),
            )
        })?;
        Ok(Jws {
            kid,
            signing_input: format!("{header_b64}.{payload_b64}"),
            deflated,
            signature,
        })
    }

    /// The signature, against the key of `jwks` with the header's key id.
    pub fn check_signature<'k>(&self, jwks: &'k Jwks) -> Result<&'k IssuerKey, ShcError> {
        let key = jwks.by_kid(&self.kid).ok_or_else(|| {
            ShcError::new(
                Layer::Key,
                format!("no key of the JWKS has key id {:?}", head(&self.kid)),
            )
        })?;
        let signature = Signature::from_slice(&self.signature).map_err(|_| {
            ShcError::new(
                Layer::Signature,
                "r or s is zero or not below the P-256 group order",
            )
        })?;
        key.key
            .verify(self.signing_input.as_bytes(), &signature)
            .map_err(|_| {
                ShcError::new(
                    Layer::Signature,
                    format!("ES256 signature does not verify against key {}", key.kid),
                )
            })?;
        Ok(key)
    }

    /// The payload, inflated and read, without checking the signature.
    pub fn decode(&self) -> Result<Card, ShcError> {
        Card::from_payload(self.kid.clone(), &inflate(&self.deflated)?)
    }

    /// Signature, then payload, validity at `now` (seconds since the Unix epoch) and issuer, in
    /// that order (see the module's documentation).
    pub fn verify(&self, jwks: &Jwks, now: i64) -> Result<Verified, ShcError> {
        let key = self.check_signature(jwks)?.clone();
        let card = self.decode()?;
        card.check_validity(now)?;
        if let Some(issuer) = jwks.issuer() {
            card.check_issuer(issuer)?;
        }
        Ok(Verified { card, key })
    }
}

/// Strict base64url: no padding, no whitespace, no stray trailing bits.
fn base64url(part: &str, what: &str) -> Result<Vec<u8>, ShcError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| ShcError::new(Layer::Jws, format!("{what} is not base64url: {e}")))
}

/// Raw DEFLATE (no zlib header), to at most [`MAX_INFLATED`] bytes; a truncated stream, or bytes
/// after its end, are refused.
fn inflate(data: &[u8]) -> Result<Vec<u8>, ShcError> {
    let consumed =
        |inflater: &Decompress| usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
    let mut inflater = Decompress::new(false);
    // One byte of room beyond the limit tells "exactly the limit" from "more".
    let mut out = Vec::with_capacity(MAX_INFLATED + 1);
    loop {
        let before = (inflater.total_in(), inflater.total_out());
        let input = data.get(consumed(&inflater)..).unwrap_or_default();
        let status = inflater
            .decompress_vec(input, &mut out, FlushDecompress::Finish)
            .map_err(|e| ShcError::new(Layer::Deflate, format!("not a raw DEFLATE stream: {e}")))?;
        if out.len() > MAX_INFLATED {
            return Err(ShcError::new(
                Layer::Deflate,
                format!("inflates to more than {MAX_INFLATED} bytes"),
            ));
        }
        match status {
            Status::StreamEnd => break,
            _ if (inflater.total_in(), inflater.total_out()) == before => {
                return Err(ShcError::new(
                    Layer::Deflate,
                    "the DEFLATE stream is truncated (no final block)",
                ))
            }
            _ => {}
        }
    }
    let trailing = data.len().saturating_sub(consumed(&inflater));
    if trailing > 0 {
        return Err(ShcError::new(
            Layer::Deflate,
            format!("{trailing} bytes after the end of the DEFLATE stream"),
        ));
    }
    Ok(out)
}

/// An issuer's revocation list for one key (`<iss>/.well-known/crl/<kid>.json`, method
/// `rid`): the revocation ids of the cards it revoked, each with an optional time (`rid.t`:
/// cards with that id issued before `t`, seconds since the Unix epoch; without one, all of them).
#[derive(Debug, Clone, PartialEq)]
pub struct Crl {
    /// The key whose cards it lists.
    pub kid: String,
    /// Its version (`ctr`), which the JWKS key's `crlVersion` names.
    pub ctr: u64,
    /// The revoked ids and their times.
    pub rids: Vec<(String, Option<f64>)>,
}

impl Crl {
    /// Reads a revocation list's JSON.
    pub fn parse(text: &str) -> Result<Self, ShcError> {
        let bad = |reason: String| ShcError::new(Layer::Revoked, reason);
        let json: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("the list is not JSON: {e}")))?;
        let kid = json["kid"]
            .as_str()
            .ok_or_else(|| bad("the list names no kid".into()))?;
        if json["method"] != "rid" {
            return Err(bad(format!(
                "revocation method {} is not \"rid\"",
                json["method"]
            )));
        }
        let ctr = json["ctr"]
            .as_u64()
            .ok_or_else(|| bad("the list has no version (ctr)".into()))?;
        let mut rids = Vec::new();
        for entry in json["rids"]
            .as_array()
            .ok_or_else(|| bad("the list has no rids array".into()))?
        {
            let entry = entry
                .as_str()
                .ok_or_else(|| bad(format!("rid {entry} is not text")))?;
            let (rid, time) = match entry.split_once('.') {
                Some((rid, time)) => {
                    let time: f64 = time
                        .parse()
                        .ok()
                        .filter(|t: &f64| t.is_finite())
                        .ok_or_else(|| bad(format!("rid {entry:?}: {time:?} is not a time")))?;
                    (rid, Some(time))
                }
                None => (entry, None),
            };
            if rid.is_empty() {
                return Err(bad(format!("rid {entry:?} is empty")));
            }
            rids.push((rid.to_owned(), time));
        }
        Ok(Crl {
            kid: kid.to_owned(),
            ctr,
            rids,
        })
    }
}

/// A card decoded as far as it goes: nothing in it is trusted until [`verify`] says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The header's key id: the RFC 7638 thumbprint of the issuer's key.
    pub kid: String,
    /// `iss`, the issuer's URL; its keys are at [`jwks_url`] of it.
    pub issuer: String,
    /// `nbf`, seconds since the Unix epoch, rounded up to a whole second: for a clock in whole
    /// seconds, `nbf <= now` exactly when the card's own `nbf` (maybe fractional) is.
    pub nbf: i64,
    /// `exp`, if the card has one, rounded up likewise: the card is refused from it on.
    pub exp: Option<i64>,
    /// `vc.type`, which includes [`HEALTH_CARD_TYPE`].
    pub types: Vec<String>,
    /// `vc.credentialSubject.fhirVersion`, if given (`4.0.1` for FHIR R4).
    pub fhir_version: Option<String>,
    /// `vc.credentialSubject.fhirBundle`: a FHIR `Bundle` (its `resourceType` checked, nothing
    /// else).
    pub bundle: Value,
    /// The whole payload.
    pub payload: Value,
}

impl Card {
    /// `vc.rid`, the card's revocation id, if it has one.
    pub fn rid(&self) -> Option<&str> {
        self.payload["vc"]["rid"].as_str()
    }

    /// Refused if `crl` (the issuer's list for the card's key) revokes it: its `rid` is listed
    /// without a time, or with a time after the card's `nbf` (as written, fractions included).
    /// A card without a `rid` cannot be revoked this way.
    pub fn check_revocation(&self, crl: &Crl) -> Result<(), ShcError> {
        if crl.kid != self.kid {
            return Err(ShcError::new(
                Layer::Revoked,
                format!(
                    "the revocation list is for key {:?}, the card's is {:?}",
                    head(&crl.kid),
                    head(&self.kid)
                ),
            ));
        }
        let Some(rid) = self.rid() else {
            return Ok(());
        };
        let nbf = self.payload["nbf"].as_f64().unwrap_or(f64::MAX);
        let revoked = crl
            .rids
            .iter()
            .any(|(r, time)| r == rid && time.is_none_or(|t| nbf < t));
        if revoked {
            return Err(ShcError::new(
                Layer::Revoked,
                format!(
                    "the issuer revoked this card (rid {rid}, list version {})",
                    crl.ctr
                ),
            ));
        }
        Ok(())
    }

    /// Reads the inflated payload.
    fn from_payload(kid: String, bytes: &[u8]) -> Result<Self, ShcError> {
        let bad = |reason: &str| ShcError::new(Layer::Json, reason);
        let payload: Value = serde_json::from_slice(bytes)
            .map_err(|e| ShcError::new(Layer::Json, format!("payload is not JSON: {e}")))?;
        let claims = payload
            .as_object()
            .ok_or_else(|| bad("payload is not a JSON object"))?;
        let issuer = match claims.get("iss") {
            Some(Value::String(iss)) if !iss.is_empty() => iss.clone(),
            Some(_) => return Err(bad("iss is empty or not text")),
            None => return Err(bad("no iss (issuer)")),
        };
        let nbf = match claims.get("nbf") {
            Some(nbf) => seconds_up(nbf, "nbf")?,
            None => return Err(bad("no nbf (not before)")),
        };
        let exp = claims
            .get("exp")
            .map(|exp| seconds_up(exp, "exp"))
            .transpose()?;
        let vc = claims
            .get("vc")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no vc object"))?;
        let types = vc
            .get("type")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("vc.type is missing or not an array"))?
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad("vc.type holds an entry that is not text"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !types.iter().any(|t| t == HEALTH_CARD_TYPE) {
            return Err(ShcError::new(
                Layer::Json,
                format!("vc.type does not include {HEALTH_CARD_TYPE}"),
            ));
        }
        let subject = vc
            .get("credentialSubject")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no vc.credentialSubject object"))?;
        let fhir_version = match subject.get("fhirVersion") {
            Some(Value::String(version)) => Some(version.clone()),
            Some(_) => return Err(bad("vc.credentialSubject.fhirVersion is not text")),
            None => None,
        };
        let bundle = subject
            .get("fhirBundle")
            .ok_or_else(|| bad("no vc.credentialSubject.fhirBundle"))?;
        if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
            return Err(bad(
                "vc.credentialSubject.fhirBundle is not a FHIR Bundle (resourceType)",
            ));
        }
        Ok(Card {
            kid,
            issuer,
            nbf,
            exp,
            types,
            fhir_version,
            bundle: bundle.clone(),
            payload,
        })
    }

    /// Not before `nbf`, and not at or after `exp` if the card has one, at `now` (seconds since
    /// the Unix epoch).
    pub fn check_validity(&self, now: i64) -> Result<(), ShcError> {
        if self.nbf > now {
            return Err(ShcError::new(
                Layer::NotYetValid,
                format!(
                    "not valid before {}, {} s after the clock ({now})",
                    self.nbf,
                    self.nbf.abs_diff(now)
                ),
            ));
        }
        if let Some(exp) = self.exp {
            if now >= exp {
                return Err(ShcError::new(
                    Layer::Expired,
                    format!(
                        "expired at {exp}, {} s before the clock ({now})",
                        exp.abs_diff(now)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `iss` is exactly `expected`.
    pub fn check_issuer(&self, expected: &str) -> Result<(), ShcError> {
        if self.issuer != expected {
            return Err(ShcError::new(
                Layer::Issuer,
                format!(
                    "iss is {:?}, not the JWKS's issuer {expected:?}",
                    head(&self.issuer)
                ),
            ));
        }
        Ok(())
    }
}

/// A JWT NumericDate (an integer or a fraction of seconds since the Unix epoch), rounded up.
fn seconds_up(value: &Value, what: &str) -> Result<i64, ShcError> {
    let seconds = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.ceil() as i64)
        }),
        _ => None,
    };
    seconds.ok_or_else(|| ShcError::new(Layer::Json, format!("{what} is not a time in seconds")))
}

/// A card whose signature, dates and issuer all checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    /// What was decoded.
    pub card: Card,
    /// The issuer's key that signed it.
    pub key: IssuerKey,
}

/// Decodes a card for display, without checking its signature: `text` is `shc:/` QR text
/// ([`decode_qr`]) or a compact JWS ([`Jws::parse`], [`Jws::decode`]).
pub fn decode_jws(text: &str) -> Result<Card, ShcError> {
    Jws::parse(&jws_of(text)?)?.decode()
}

/// Decodes `card` (`shc:/` QR text or a compact JWS) and verifies it against `jwks` at `now`
/// (seconds since the Unix epoch): key id, signature, payload, validity, issuer, in that order.
pub fn verify(card: &str, jwks: &Jwks, now: i64) -> Result<Verified, ShcError> {
    Jws::parse(&jws_of(card)?)?.verify(jwks, now)
}

fn jws_of(text: &str) -> Result<String, ShcError> {
    let text = text.trim_ascii();
    if text.starts_with(PREFIX) {
        decode_qr(text)
    } else {
        Ok(text.to_owned())
    }
}

/// Where an issuer publishes its keys: `<iss>/.well-known/jwks.json`.
pub fn jwks_url(issuer: &str) -> String {
    format!("{issuer}/.well-known/jwks.json")
}

/// An issuer's ES256 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerKey {
    /// Its key id, the RFC 7638 thumbprint.
    pub kid: String,
    /// The P-256 public key.
    pub key: VerifyingKey,
}

#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    kid: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    alg: Option<String>,
    d: Option<Value>,
}

#[derive(Deserialize)]
struct JwksFile {
    keys: Vec<Value>,
}

/// An issuer's JSON Web Key Set: its ES256 signing keys, and the issuer it belongs to if the
/// caller binds one ([`Jwks::with_issuer`]).
///
/// [`Jwks::parse`] reads `{"keys": [{"kty": "EC", "crv": "P-256", "x", "y", "kid", "use":
/// "sig", "alg": "ES256"}, …]}`:
///
/// - a key whose `use` is not `sig`, or whose `alg` is not `ES256`, is skipped (not used);
///   either may be absent;
/// - every other key must be EC P-256 with both coordinates (base64url, 32 bytes each) on the
///   curve, and a `kid` equal to its RFC 7638 thumbprint; otherwise the whole set is refused;
/// - a key carrying a private part (`d`) refuses the whole set;
/// - other members (`x5c`, `crlVersion`) are ignored;
/// - a set with no usable key is refused.
#[derive(Debug, Clone)]
pub struct Jwks {
    issuer: Option<String>,
    keys: Vec<IssuerKey>,
}

impl Jwks {
    /// Reads a JWKS (see the type's documentation), bound to no issuer.
    pub fn parse(text: &str) -> Result<Self, ShcError> {
        let file: JwksFile = serde_json::from_str(text)
            .map_err(|e| ShcError::new(Layer::Key, format!("not a JWKS: {e}")))?;
        let mut keys = Vec::new();
        for (i, jwk) in file.keys.into_iter().enumerate() {
            let jwk: Jwk = serde_json::from_value(jwk)
                .map_err(|e| ShcError::new(Layer::Key, format!("key {i}: {e}")))?;
            if let Some(key) = issuer_key(jwk)
                .map_err(|reason| ShcError::new(Layer::Key, format!("key {i}: {reason}")))?
            {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(ShcError::new(
                Layer::Key,
                "no ES256 signing key in the JWKS",
            ));
        }
        Ok(Jwks { issuer: None, keys })
    }

    /// Binds the set to `issuer` (the card's `iss`, exactly: the URL without
    /// `/.well-known/jwks.json`); [`verify`] then refuses cards that name another.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The issuer the set is bound to, if any.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The usable keys.
    pub fn keys(&self) -> &[IssuerKey] {
        &self.keys
    }

    /// The key with key id `kid`.
    pub fn by_kid(&self, kid: &str) -> Option<&IssuerKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}

/// A JWK's ES256 key, `None` if it is meant for something else.
fn issuer_key(jwk: Jwk) -> Result<Option<IssuerKey>, String> {
    if jwk.d.is_some() {
        return Err("carries a private key (d)".into());
    }
    let other_use = jwk.usage.as_deref().is_some_and(|u| u != "sig");
    let other_alg = jwk.alg.as_deref().is_some_and(|a| a != "ES256");
    if other_use || other_alg {
        return Ok(None);
    }
    if jwk.kty.as_deref() != Some("EC") {
        return Err(format!(
            "kty is {}, not EC: SMART Health Card keys are EC P-256",
            shown(jwk.kty.as_deref())
        ));
    }
    if jwk.crv.as_deref() != Some("P-256") {
        return Err(format!("crv is {}, not P-256", shown(jwk.crv.as_deref())));
    }
    let x = coordinate(jwk.x.as_deref(), "x")?;
    let y = coordinate(jwk.y.as_deref(), "y")?;
    let point = p256::EncodedPoint::from_affine_coordinates(
        &p256::FieldBytes::from(x),
        &p256::FieldBytes::from(y),
        false,
    );
    let key = VerifyingKey::from_encoded_point(&point)
        .map_err(|_| "(x, y) is not a point of P-256".to_owned())?;
    let thumbprint = thumbprint(&x, &y);
    match jwk.kid {
        Some(kid) if kid == thumbprint => Ok(Some(IssuerKey { kid, key })),
        Some(kid) => Err(format!(
            "kid {:?} is not the key's RFC 7638 thumbprint {thumbprint}",
            head(&kid)
        )),
        None => Err(format!("no kid (the key's thumbprint is {thumbprint})")),
    }
}

fn coordinate(value: Option<&str>, what: &str) -> Result<[u8; 32], String> {
    let value = value.ok_or_else(|| format!("no {what}"))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|e| format!("{what} is not base64url: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("{what} is {} bytes, not the 32 of P-256", bytes.len()))
}

/// RFC 7638: base64url of the SHA-256 of the required members, in order, without whitespace.
fn thumbprint(x: &[u8; 32], y: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(x),
        URL_SAFE_NO_PAD.encode(y)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// An optional member of untrusted JSON, for error messages.
fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_owned(), |s| format!("{:?}", head(s)))
}

/// The start of untrusted text, for error messages.
fn head(s: &str) -> String {
    const LEN: usize = 48;
    let mut out: String = s.chars().take(LEN).collect();
    if s.chars().nth(LEN).is_some() {
        out.push('…');
    }
    out
}
