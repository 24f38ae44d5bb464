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
//! file, an image without a QR code) are thrown as an `Error` with a stable `code` ([`Code`]);
//! a presentation that fails a check is an outcome, not an error.
//!
//! A panic (a bug, or one in a dependency: rqrr fails assertions on some crafted images) is
//! logged with `console.error` by the hook the module installs when it starts, and the call throws an `Error`
//! with code `internal_panic` instead of trapping; the instance is replaced by a fresh one at
//! the next call, so objects made before it (a `Checkpoint`, a `Wallet`) are stale and must be
//! made again.

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

/// The stable code of each error the package throws: the `code` property of the `Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The pinned key id is not `0x` and 64 hex digits.
    InvalidKeyId,
    /// The verifying key file does not decode (random bytes, truncated, another kind of file).
    InvalidVerifyingKey,
    /// The verifying key decodes but its id is not the pinned one (another circuit's or depth's
    /// key, another setup's).
    KeyIdMismatch,
    /// The policy file is not a policy of a shipped schema.
    InvalidPolicy,
    /// The issuer's root snapshot does not decode.
    InvalidRoots,
    /// Key, policy and roots do not go together (another issuer's roots).
    InvalidConfiguration,
    /// The verifier id or event does not make a nullifier scope.
    InvalidScope,
    /// The challenge is not a field element in hex.
    InvalidChallenge,
    /// The time is not a whole number of seconds since 1970 the verifier accepts.
    InvalidTime,
    /// A used nullifier is not a field element in hex.
    InvalidNullifier,
    /// The text is too long for a QR code.
    QrTooLong,
    /// The pixel buffer does not hold `width × height` RGBA pixels, or the image is too large.
    QrBadImage,
    /// No QR code was found in the image.
    QrNotFound,
    /// A QR code was found that does not decode.
    QrUndecodable,
    /// The proving artifact id is not `0x` and 64 hex digits.
    InvalidArtifactId,
    /// The proving artifact file does not decode (random bytes, truncated).
    InvalidArtifact,
    /// The proving artifact's id is not the pinned one (another depth's, another setup's).
    ArtifactIdMismatch,
    /// The credential file is not one `zkhealth issue` writes, or not of a shipped schema.
    InvalidCredential,
    /// The holder secret file does not decode.
    InvalidSecret,
    /// The Merkle path file does not decode.
    InvalidPath,
    /// The request cannot be proved: the credential does not satisfy the policy, the secret or
    /// path is not the credential's, or it has expired.
    RequestRefused,
    /// The proof could not be made or did not verify against the artifact's key.
    ProofFailed,
    /// A value could not be encoded for the caller (a bug).
    Internal,
    /// The module panicked (a bug, or the QR decoder on a crafted image); the panic is logged
    /// with `console.error` and the module restarts at the next call: make its objects again.
    InternalPanic,
}

impl Code {
    /// Every code, in the order the TypeScript type lists them.
    pub const ALL: [Code; 24] = [
        Code::InvalidKeyId,
        Code::InvalidVerifyingKey,
        Code::KeyIdMismatch,
        Code::InvalidPolicy,
        Code::InvalidRoots,
        Code::InvalidConfiguration,
        Code::InvalidScope,
        Code::InvalidChallenge,
        Code::InvalidTime,
        Code::InvalidNullifier,
        Code::QrTooLong,
        Code::QrBadImage,
        Code::QrNotFound,
        Code::QrUndecodable,
        Code::InvalidArtifactId,
        Code::InvalidArtifact,
        Code::ArtifactIdMismatch,
        Code::InvalidCredential,
        Code::InvalidSecret,
        Code::InvalidPath,
        Code::RequestRefused,
        Code::ProofFailed,
        Code::Internal,
        Code::InternalPanic,
    ];

    /// The code as JavaScript sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidKeyId => "invalid_key_id",
            Code::InvalidVerifyingKey => "invalid_verifying_key",
            Code::KeyIdMismatch => "key_id_mismatch",
            Code::InvalidPolicy => "invalid_policy",
            Code::InvalidRoots => "invalid_roots",
            Code::InvalidConfiguration => "invalid_configuration",
            Code::InvalidScope => "invalid_scope",
            Code::InvalidChallenge => "invalid_challenge",
            Code::InvalidTime => "invalid_time",
            Code::InvalidNullifier => "invalid_nullifier",
            Code::QrTooLong => "qr_too_long",
            Code::QrBadImage => "qr_bad_image",
            Code::QrNotFound => "qr_not_found",
            Code::QrUndecodable => "qr_undecodable",
            Code::InvalidArtifactId => "invalid_artifact_id",
            Code::InvalidArtifact => "invalid_artifact",
            Code::ArtifactIdMismatch => "artifact_id_mismatch",
            Code::InvalidCredential => "invalid_credential",
            Code::InvalidSecret => "invalid_secret",
            Code::InvalidPath => "invalid_path",
            Code::RequestRefused => "request_refused",
            Code::ProofFailed => "proof_failed",
            Code::Internal => "internal",
            Code::InternalPanic => "internal_panic",
        }
    }
}

/// The TypeScript of [`Code`]: `ErrorCode` and `ZkhealthError`, a custom section of the
/// module's types (which the dead-code lint does not see used).
#[allow(dead_code)]
const ERROR_TYPE: &str = r#"
/** The `code` of an error the package throws (a `ZkhealthError`). */
export type ErrorCode =
  /** `Checkpoint`: the pinned key id is not 0x and 64 hex digits. */
  | "invalid_key_id"
  /** `Checkpoint`: the verifying key file does not decode (random bytes, truncated, another
   *  kind of file). */
  | "invalid_verifying_key"
  /** `Checkpoint`: the verifying key's id is not the pinned one (another circuit's or depth's
   *  key, another setup's). */
  | "key_id_mismatch"
  /** `Checkpoint`, `Wallet.prove`: the policy file is not a policy of a shipped schema. */
  | "invalid_policy"
  /** `Checkpoint`: the issuer's root snapshot does not decode. */
  | "invalid_roots"
  /** `Checkpoint`: key, policy and roots do not go together (another issuer's roots). */
  | "invalid_configuration"
  /** `Checkpoint`, `scopeOf`, `Wallet.prove`: the verifier id or event makes no scope. */
  | "invalid_scope"
  /** `Checkpoint.verify`, `Wallet.prove`: the challenge is not a field element in hex. */
  | "invalid_challenge"
  /** `Checkpoint.verify`, `Wallet.prove`: the time is not whole seconds since 1970. */
  | "invalid_time"
  /** `Checkpoint.verify`: a used nullifier is not a field element in hex. */
  | "invalid_nullifier"
  /** `qrSvg`: the text is too long for a QR code. */
  | "qr_too_long"
  /** `readQr`: the buffer does not hold width × height RGBA pixels, or the image is too large. */
  | "qr_bad_image"
  /** `readQr`: no QR code was found in the image. */
  | "qr_not_found"
  /** `readQr`: a QR code was found that does not decode. */
  | "qr_undecodable"
  /** `Wallet`: the pinned artifact id is not 0x and 64 hex digits. */
  | "invalid_artifact_id"
  /** `Wallet`: the proving artifact file does not decode (random bytes, truncated). */
  | "invalid_artifact"
  /** `Wallet`: the proving artifact's id is not the pinned one. */
  | "artifact_id_mismatch"
  /** `Wallet.prove`: the credential file is not one `zkhealth issue` writes. */
  | "invalid_credential"
  /** `Wallet.prove`: the holder secret file does not decode. */
  | "invalid_secret"
  /** `Wallet.prove`: the Merkle path file does not decode. */
  | "invalid_path"
  /** `Wallet.prove`: the credential does not satisfy the policy, or the secret or path is not
   *  the credential's. */
  | "request_refused"
  /** `Wallet.prove`: the proof could not be made or did not verify. */
  | "proof_failed"
  /** A value could not be encoded (a bug). */
  | "internal"
  /** The module panicked (a bug, or the QR decoder on a crafted image): the panic is logged
   *  with `console.error`, and the module restarts at the next call, so a `Checkpoint` or
   *  `Wallet` made before is stale (it throws) and must be made again. */
  | "internal_panic";

/** What every function and constructor of the package throws: an `Error` whose message names
 *  the input that failed, with a stable `code`. A presentation that fails a check is not
 *  thrown: `Checkpoint.verify` returns it as a refused `Outcome`. */
export interface ZkhealthError extends Error {
  code: ErrorCode;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const ERROR_SECTION: &'static str = ERROR_TYPE;

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

/// A JavaScript `Error` with `message` and the stable `code`.
fn coded(code: Code, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh `Error` does not fail.
    let _ = js_sys::Reflect::set(
        &error,
        &JsValue::from_str("code"),
        &JsValue::from_str(code.as_str()),
    );
    error.into()
}

/// An error for the page: its code, and the input that failed and why in its message.
fn error(code: Code, what: &str, e: impl std::fmt::Display) -> JsValue {
    coded(code, &format!("{what}: {e}"))
}

/// A field element from `0x` + 64 hex digits.
fn parse_fr(code: Code, what: &str, hex: &str) -> Result<Fr, JsValue> {
    fr_from_hex(hex.trim()).map_err(|e| error(code, what, e))
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Runs when the module is instantiated: installs the panic hook. The module is built with
/// `panic = "abort"`, so a panic cannot be caught. The hook logs it with `console.error`,
/// schedules the instance's replacement (wasm-bindgen's glue makes a fresh instance of the same
/// module at its next guard: as the error leaves a call returning a string, or at the next call;
/// objects made before are then stale and throw), and throws an `Error` with code
/// `internal_panic` to the caller instead of letting the instance trap. Like a trap, the throw
/// leaves the panicking frames without running their destructors: this instance's memory and
/// stack pointer are left as the panic found them, and it is not called again.
#[wasm_bindgen(start)]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let panic = info.to_string();
        console_error(&format!("zkhealth: {panic}"));
        wasm_bindgen::handler::schedule_reinit();
        wasm_bindgen::throw_val(coded(
            Code::InternalPanic,
            &format!("zkhealth: {panic} (the module restarts at its next call)"),
        ));
    }));
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
fn unix_seconds(now: f64) -> Result<u64, JsValue> {
    if now.is_finite() && now >= 0.0 && now.fract() == 0.0 && now < 9.0e15 {
        Ok(now as u64)
    } else {
        Err(coded(
            Code::InvalidTime,
            &format!("time: {now} is not a whole number of seconds since 1970"),
        ))
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
pub fn scope_of(verifier_id: &str, event: &str) -> Result<String, JsValue> {
    let scope =
        Scope::named(verifier_id, event).map_err(|e| error(Code::InvalidScope, "scope", e))?;
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
    ) -> Result<Checkpoint, JsValue> {
        let pin =
            KeyId::from_hex(key_id.trim()).map_err(|e| error(Code::InvalidKeyId, "key id", e))?;
        let key = VerifyingKey::from_file_bytes(key)
            .map_err(|e| error(Code::InvalidVerifyingKey, "verifying key", e))?;
        if key.id() != pin {
            return Err(coded(
                Code::KeyIdMismatch,
                &format!(
                    "verifying key: its id is {} (circuit {}, depth {}), not the pinned {pin}",
                    key.id(),
                    key.circuit(),
                    key.depth()
                ),
            ));
        }
        let policy = schema::policy_from_json(policy_json)
            .map_err(|e| error(Code::InvalidPolicy, "policy", e))?;
        let roots = IssuerRoots::<LocalRoots>::from_json(roots_json)
            .map_err(|e| error(Code::InvalidRoots, "issuer roots", e))?;
        let scope = Scope::named(verifier_id, event)
            .map_err(|e| error(Code::InvalidScope, "scope", e))?
            .value();
        let verifier = Verifier::new(key, policy, roots)
            .map_err(|e| error(Code::InvalidConfiguration, "checkpoint", e))?;
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
    /// Throws only for the caller's own inputs (a malformed challenge, time or used nullifier);
    /// a presentation that does not decode (garbage, truncated) is refused with
    /// `malformed_presentation`.
    pub fn verify(
        &self,
        presentation: &str,
        now_unix_secs: f64,
        challenge: &str,
        used_nullifiers: Vec<String>,
    ) -> Result<String, JsValue> {
        let challenge = parse_fr(Code::InvalidChallenge, "challenge", challenge)?;
        let now = unix_seconds(now_unix_secs)?;
        let expected = Expected::at(challenge, self.scope, now)
            .map_err(|e| error(Code::InvalidTime, "verifier's time", e))?;
        let mut used = MemoryNullifiers::new();
        for hex in &used_nullifiers {
            let nullifier = parse_fr(Code::InvalidNullifier, "used nullifier", hex)?;
            used.insert(&self.scope, &nullifier)
                .map_err(|e| error(Code::InvalidNullifier, "used nullifier", e))?;
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
        serde_json::to_string(&outcome).map_err(|e| error(Code::Internal, "outcome", e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_distinct_and_in_the_typescript_type() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                ERROR_TYPE.contains(&format!("| \"{s}\"")),
                "{s} is not in the TypeScript ErrorCode"
            );
        }
        assert_eq!(ERROR_TYPE.matches("  | \"").count(), Code::ALL.len());
    }
}
