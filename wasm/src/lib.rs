//! zkhealth for JavaScript, through wasm-bindgen.
//!
//! - [`Checkpoint`]: a verifier configured with a pinned verifying key, a policy, the issuer's
//!   root snapshot and its own identity (verifier id and event, which give the nullifier scope).
//!   [`Checkpoint::verify`] checks a presentation (its `ZKH1:` QR text or its JSON) at a time
//!   and challenge the caller gives, against the nullifiers the caller has already accepted, and
//!   returns the outcome as JSON ([`Outcome`]): accepted with the disclosed values decoded for
//!   display, or refused with the error's stable code and its reason.
//! - `Wallet` (feature `prover`): a prover holding a proving artifact pinned by its id;
//!   `Wallet::prove` proves a request from the holder's files and returns the presentation's
//!   QR text, reporting its stages to a progress callback.
//!
//! - [`qr_svg`] draws a text (a challenge, a presentation) as a QR code in SVG; [`read_qr`] reads
//!   one from a camera frame or an image's pixels (RGBA, as a canvas gives them).
//!
//! Nothing here reads a clock or keeps state between calls: the page passes the time, the
//! challenge and the used nullifiers, and stores what an acceptance returns (the checkpoint page
//! keeps nullifiers in IndexedDB). Errors that are the caller's (a malformed key, policy or root
//! file) are thrown as `Error`; a presentation that fails a check is an outcome, not an error.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use zkhealth_circuits::{
    field::{fr_from_hex, fr_to_hex},
    Fr, Scope,
};
use zkhealth_records::schema;
use zkhealth_verifier::{
    Expected, IssuerRoots, KeyId, LocalRoots, MemoryNullifiers, NullifierStore, Presentation,
    Verifier, VerifyError, VerifyingKey,
};

mod qr;
#[cfg(feature = "prover")]
mod wallet;
#[cfg(feature = "prover")]
pub use wallet::Wallet;

pub use qr::{qr_svg, read_qr};

#[wasm_bindgen(typescript_custom_section)]
const OUTCOME_TYPE: &'static str = r#"
/** What `Checkpoint.verify` returns, as JSON. */
export interface Outcome {
  /** Whether every check passed. */
  accepted: boolean;
  /** Refused: the stable code of the check that failed (for instance "nullifier_reused",
   *  "challenge_mismatch", "invalid_proof", "malformed_presentation"). */
  code?: string;
  /** Refused: the reason, in words. */
  reason?: string;
  /** Accepted: the presentation's nullifier (0x-hex); store it as used. */
  nullifier?: string;
  /** The nullifier scope of this checkpoint (0x-hex). */
  scope: string;
  /** Accepted: each disclosed value, its slot name and its readable text (or 0x-hex). */
  disclosed?: { name: string; value: string }[];
}
"#;

/// The outcome of [`Checkpoint::verify`], serialized as JSON for the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether every check passed.
    pub accepted: bool,
    /// Refused: [`VerifyError::code`], or `malformed_presentation` when it did not decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Refused: the error's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Accepted: the nullifier, now to be recorded as used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nullifier: Option<String>,
    /// The checkpoint's nullifier scope.
    pub scope: String,
    /// Accepted: the disclosed values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosed: Option<Vec<Disclosed>>,
}

/// One disclosed value for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosed {
    /// The slot's name in the policy's schema.
    pub name: String,
    /// Its readable text (a code, a `YYYY-MM-DD` date), or the field element in hex.
    pub value: String,
}

/// An error for the page, with the layer that failed in its message.
fn error(what: &str, e: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("{what}: {e}"))
}

/// A field element from `0x` + 64 hex digits.
fn parse_fr(what: &str, hex: &str) -> Result<Fr, JsError> {
    fr_from_hex(hex.trim()).map_err(|e| error(what, e))
}

/// A presentation from its `ZKH1:` QR text or its JSON.
fn decode_presentation(text: &str) -> Result<Presentation, VerifyError> {
    let trimmed = text.trim();
    if trimmed.starts_with("ZKH") {
        Presentation::from_qr_text(trimmed)
    } else {
        Presentation::from_json(trimmed)
    }
}

/// Seconds since the epoch as JavaScript gives them (a number), refused unless a whole,
/// non-negative value that fits.
fn unix_seconds(now: f64) -> Result<u64, JsError> {
    if now.is_finite() && now >= 0.0 && now.fract() == 0.0 && now < 9.0e15 {
        Ok(now as u64)
    } else {
        Err(JsError::new(&format!(
            "time: {now} is not a whole number of seconds since 1970"
        )))
    }
}

/// A fresh challenge for a checkpoint to show: a uniformly random field element, in hex.
#[wasm_bindgen(js_name = newChallenge)]
pub fn new_challenge() -> String {
    use ark_std::UniformRand;
    fr_to_hex(&Fr::rand(&mut rand_core::OsRng))
}

/// The nullifier scope of a verifier id and an event ([`Scope::named`]), in hex.
#[wasm_bindgen(js_name = scopeOf)]
pub fn scope_of(verifier_id: &str, event: &str) -> Result<String, JsError> {
    let scope = Scope::named(verifier_id, event).map_err(|e| error("scope", e))?;
    Ok(fr_to_hex(&scope.value()))
}

/// A checkpoint's verifier: pinned key, policy, the issuer's roots and the checkpoint's scope.
#[wasm_bindgen]
pub struct Checkpoint {
    verifier: Verifier<LocalRoots>,
    scope: Fr,
}

#[wasm_bindgen]
impl Checkpoint {
    /// Loads the verifying key file `key` (refused unless its id is `key_id`), the policy file's
    /// JSON (its schema one of the shipped ones), the issuer's root snapshot (the JSON `zkhealth
    /// roots` writes) and the checkpoint's identity.
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &[u8],
        key_id: &str,
        policy_json: &str,
        roots_json: &str,
        verifier_id: &str,
        event: &str,
    ) -> Result<Checkpoint, JsError> {
        let pin = KeyId::from_hex(key_id.trim()).map_err(|e| error("key id", e))?;
        let key = VerifyingKey::from_file_bytes(key).map_err(|e| error("verifying key", e))?;
        if key.id() != pin {
            return Err(JsError::new(&format!(
                "verifying key: its id is {}, not the pinned {pin}",
                key.id()
            )));
        }
        let policy = schema::policy_from_json(policy_json).map_err(|e| error("policy", e))?;
        let roots = IssuerRoots::<LocalRoots>::from_json(roots_json)
            .map_err(|e| error("issuer roots", e))?;
        let scope = Scope::named(verifier_id, event)
            .map_err(|e| error("scope", e))?
            .value();
        let verifier = Verifier::new(key, policy, roots).map_err(|e| error("checkpoint", e))?;
        Ok(Checkpoint { verifier, scope })
    }

    /// The pinned key's id.
    #[wasm_bindgen(js_name = keyId)]
    pub fn key_id(&self) -> String {
        self.verifier.key().id().to_string()
    }

    /// The policy's issuer.
    pub fn issuer(&self) -> String {
        self.verifier.issuer().to_string()
    }

    /// This checkpoint's nullifier scope, in hex.
    pub fn scope(&self) -> String {
        fr_to_hex(&self.scope)
    }

    /// Verifies `presentation` (QR text or JSON) at `now_unix_secs` for the challenge this
    /// checkpoint issued, given the nullifiers (hex) it has accepted before in its scope.
    /// Returns an [`Outcome`] as JSON.
    ///
    /// Throws only for the caller's own inputs (a malformed challenge, time or used nullifier).
    pub fn verify(
        &self,
        presentation: &str,
        now_unix_secs: f64,
        challenge: &str,
        used_nullifiers: Vec<String>,
    ) -> Result<String, JsError> {
        let challenge = parse_fr("challenge", challenge)?;
        let now = unix_seconds(now_unix_secs)?;
        let expected =
            Expected::at(challenge, self.scope, now).map_err(|e| error("verifier's time", e))?;
        let mut used = MemoryNullifiers::new();
        for hex in &used_nullifiers {
            let nullifier = parse_fr("used nullifier", hex)?;
            used.insert(&self.scope, &nullifier)
                .map_err(|e| error("used nullifier", e))?;
        }
        let outcome = match decode_presentation(presentation) {
            Err(e) => self.refused("malformed_presentation", &e),
            Ok(p) => match self.verifier.verify_presentation(&p, &expected, &mut used) {
                Ok(verified) => Outcome {
                    accepted: true,
                    code: None,
                    reason: None,
                    nullifier: Some(fr_to_hex(&verified.nullifier)),
                    scope: fr_to_hex(&self.scope),
                    disclosed: Some(
                        verified
                            .disclosed
                            .into_iter()
                            .map(|(name, value, text)| Disclosed {
                                name,
                                value: text.unwrap_or_else(|| fr_to_hex(&value)),
                            })
                            .collect(),
                    ),
                },
                Err(e) => self.refused(e.code(), &e),
            },
        };
        serde_json::to_string(&outcome).map_err(|e| error("outcome", e))
    }
}

impl Checkpoint {
    fn refused(&self, code: &str, e: &VerifyError) -> Outcome {
        Outcome {
            accepted: false,
            code: Some(code.to_string()),
            reason: Some(e.to_string()),
            nullifier: None,
            scope: fr_to_hex(&self.scope),
            disclosed: None,
        }
    }
}
