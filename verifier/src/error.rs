//! The crate's error type.

use std::fmt;

use thiserror::Error;

use zkhealth_circuits::CircuitId;

use crate::{container::Kind, key::KeyId};

/// One of the three points of a Groth16 proof, named in decoding errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProofPoint {
    /// `A`, in G1 (bytes 0..32 of the proof).
    A,
    /// `B`, in G2 (bytes 32..96).
    B,
    /// `C`, in G1 (bytes 96..128).
    C,
}

impl fmt::Display for ProofPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProofPoint::A => "A (G1)",
            ProofPoint::B => "B (G2)",
            ProofPoint::C => "C (G1)",
        })
    }
}

/// What kind of failure a [`VerifyError`] is, for callers that only need to branch on that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The input could not be decoded (wrong length, bad encoding, invalid point or scalar,
    /// corrupted file): nothing was verified.
    Malformed,
    /// The input decoded but was refused: wrong key, stale date, wrong challenge or scope,
    /// policy mismatch, unaccepted root, invalid proof, reused nullifier.
    Rejected,
    /// A configuration or backend problem on the verifier's side (invalid policy, a root source
    /// of another issuer than the policy's, unreachable root source or nullifier store):
    /// retrying or fixing the setup may help.
    Verifier,
}

/// Everything that can go wrong when decoding or verifying a presentation.
///
/// Variants are grouped by [`ErrorClass`]: see [`VerifyError::class`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    // ---- malformed input ------------------------------------------------------------------
    /// An encoded value does not have the required length.
    #[error("{what} must be {expected} bytes, got {got}")]
    WrongLength {
        /// What was being decoded.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A hex string is malformed (missing `0x`, wrong number of digits, non-hex characters).
    #[error("{what}: invalid hex: {reason}")]
    InvalidHex {
        /// What was being decoded.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A proof point's bytes are not the compressed encoding of a curve point (a coordinate not
    /// below the field modulus, invalid flag bits, or no curve point with that x).
    #[error("proof point {point} is not a valid compressed curve point")]
    PointNotOnCurve {
        /// The point.
        point: ProofPoint,
    },
    /// A proof point is on the curve but not in the prime-order subgroup (possible on G2, whose
    /// cofactor is not 1).
    #[error("proof point {point} is on the curve but not in the prime-order subgroup")]
    PointNotInSubgroup {
        /// The point.
        point: ProofPoint,
    },
    /// A proof point decodes, but its bytes are not the canonical encoding of that point (for
    /// instance the point at infinity with a non-zero x).
    #[error("proof point {point} is not canonically encoded")]
    PointNotCanonical {
        /// The point.
        point: ProofPoint,
    },
    /// A field element is malformed or not canonical (`>= r`).
    #[error("{what} is not a canonical field element: {reason}")]
    InvalidFieldElement {
        /// Which value.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A date is out of the supported range.
    #[error("{what} is not a valid date: {reason}")]
    InvalidDate {
        /// Which value.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A container file is shorter than its fixed header and digest.
    #[error("file is {got} bytes, shorter than the {min}-byte minimum of a zkhealth container")]
    ContainerTooShort {
        /// Length of the input.
        got: usize,
        /// Header plus digest length.
        min: usize,
    },
    /// A container file does not start with the `ZKHEALTH` magic.
    #[error("not a zkhealth file (bad magic bytes)")]
    BadMagic,
    /// A container file holds a different kind of content than the one asked for.
    #[error("file holds kind {got}, expected a {expected}")]
    WrongKind {
        /// The kind asked for.
        expected: Kind,
        /// The kind byte found.
        got: u8,
    },
    /// A container file has a format version this library does not read.
    #[error("unsupported file format version {got} (this library reads version {supported})")]
    UnsupportedVersion {
        /// The version found.
        got: u16,
        /// The version this library reads.
        supported: u16,
    },
    /// A container file's declared payload length does not match its size (truncated or
    /// trailing bytes).
    #[error("file declares a {declared}-byte payload but holds {actual} bytes before the digest")]
    LengthMismatch {
        /// Payload length written in the header.
        declared: u64,
        /// Bytes actually present between header and digest.
        actual: u64,
    },
    /// A container file's SHA-256 digest does not match its contents (corrupted or altered).
    #[error("file digest does not match its contents (corrupted or altered)")]
    DigestMismatch,
    /// A verifying key's bytes are malformed.
    #[error("malformed verifying key: {0}")]
    MalformedKey(String),
    /// A verifying key does not have one `gamma_abc_g1` element per public input plus one.
    #[error(
        "verifying key has {got} input points, expected {expected} (one per public input plus one)"
    )]
    KeyInputCount {
        /// The circuit's `PublicInputs::NUM_INPUTS + 1`.
        expected: usize,
        /// The key's count.
        got: usize,
    },
    /// A verifying key or presentation is for an unsupported registry depth.
    #[error("registry depth {depth} is not supported (1 to {max})")]
    UnsupportedDepth {
        /// The depth given.
        depth: u32,
        /// The largest supported depth.
        max: u32,
    },
    /// A key file or presentation names a circuit id this library does not know.
    #[error("unknown circuit id {id}")]
    UnknownCircuit {
        /// The circuit number found.
        id: u16,
    },
    /// A circuit id is reserved for a circuit this library does not build yet (no statement
    /// type, so no key can be used for it).
    #[error("circuit {circuit} is not supported by this library yet")]
    UnsupportedCircuit {
        /// The circuit.
        circuit: CircuitId,
    },
    /// A statement's public inputs are not ones its statement type can have (for instance a
    /// `today` after 9999-12-31).
    #[error("public input {input} is invalid: {reason}")]
    InvalidStatementInput {
        /// The input's name (`PublicInputs::INPUT_NAMES`).
        input: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A presentation's binary form has an unknown version byte.
    #[error("unsupported presentation version {got} (this library reads version {supported})")]
    UnsupportedPresentationVersion {
        /// The version byte found.
        got: u8,
        /// The version this library reads.
        supported: u8,
    },
    /// A presentation ends before one of its fields.
    #[error("presentation is truncated: it ends inside {field} (offset {offset})")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Byte offset where the field starts.
        offset: usize,
    },
    /// A presentation has bytes after its last field.
    #[error("presentation has {count} trailing byte(s) after the proof")]
    TrailingBytes {
        /// Number of extra bytes.
        count: usize,
    },
    /// A presentation discloses more values than a credential has slots.
    #[error("presentation discloses {count} values, at most {max} are possible")]
    TooManyDisclosed {
        /// The count found.
        count: usize,
        /// The maximum.
        max: usize,
    },
    /// A presentation's QR text does not start with the expected prefix.
    #[error("QR text does not start with {expected:?}")]
    BadQrPrefix {
        /// The required prefix.
        expected: &'static str,
    },
    /// A presentation's QR text is not canonical base45.
    #[error("QR text is not valid base45: {0}")]
    InvalidBase45(String),
    /// A JSON document is malformed.
    #[error("invalid JSON: {0}")]
    Json(String),

    // ---- rejected -------------------------------------------------------------------------
    /// The Groth16 pairing check failed: the proof is not valid for this key and statement.
    #[error("the proof is not valid for this key and statement")]
    InvalidProof,
    /// A batch check failed; these proofs (indices into the batch) are the invalid ones, each
    /// checked on its own. The others are valid.
    #[error("{} proof(s) in the batch are invalid, at indices {invalid:?}", invalid.len())]
    InvalidProofsInBatch {
        /// Indices of the invalid proofs, ascending.
        invalid: Vec<usize>,
    },
    /// The presentation or statement is for another circuit than the key's (checked before any
    /// pairing).
    #[error("presentation is for the {found} circuit, this key verifies the {expected} circuit")]
    WrongCircuit {
        /// The key's circuit.
        expected: CircuitId,
        /// The presentation's circuit.
        found: CircuitId,
    },
    /// The presentation is for a registry of another depth than the key's.
    #[error("presentation is for registry depth {found}, this key is for depth {expected}")]
    WrongDepth {
        /// The key's depth.
        expected: u32,
        /// The presentation's depth.
        found: u32,
    },
    /// The presentation was made for a different verifying key.
    #[error("presentation is for key {got}, this verifier uses key {expected}")]
    WrongKey {
        /// The verifier's key id.
        expected: KeyId,
        /// The presentation's key id.
        got: KeyId,
    },
    /// The presentation's date differs from the verifier's by more than the tolerance.
    #[error(
        "today is {days_off} day(s) off the verifier's clock (presented {presented}, verifier's \
         date {expected}, tolerance {tolerance} day(s))"
    )]
    TodayOutOfTolerance {
        /// Absolute difference in days.
        days_off: u32,
        /// The presentation's date (ISO).
        presented: String,
        /// The verifier's date (ISO).
        expected: String,
        /// The verifier's tolerance in days.
        tolerance: u32,
    },
    /// The presentation's date is within the tolerance but on a side where the policy could
    /// turn a no into a yes: earlier than the verifier's (the expiry), or later for a policy
    /// that bounds a slot from above by the day (an age, a minimum time since a dose).
    #[error(
        "the presentation is for {presented}, not the verifier's date {expected}, and this \
         policy does not admit that day (it could accept what the verifier's day refuses)"
    )]
    TodayNotAdmitted {
        /// The presentation's date (ISO).
        presented: String,
        /// The verifier's date (ISO).
        expected: String,
    },
    /// The presentation answers a different challenge (a replay, or a proof made for another
    /// verifier).
    #[error("the presentation's challenge is not the one this verifier issued (replay or wrong challenge)")]
    ChallengeMismatch,
    /// The presentation's nullifier scope is not this verifier's.
    #[error("the presentation's scope is not this verifier's")]
    ScopeMismatch,
    /// The presentation's query hash is not the verifier's policy with the disclosed values.
    #[error("the presentation does not match the verifier's policy: {0}")]
    PolicyMismatch(String),
    /// The registry root is not accepted at the verifier's time (unknown, or replaced longer ago
    /// than the freshness window).
    #[error("registry root {root} is not accepted at time {now_unix_secs}")]
    RootNotAccepted {
        /// The root (hex).
        root: String,
        /// The verifier's time (unix seconds).
        now_unix_secs: u64,
    },
    /// The nullifier was already used in this scope.
    #[error("nullifier {nullifier} was already used in this scope")]
    NullifierReused {
        /// The nullifier (hex).
        nullifier: String,
    },

    // ---- verifier side --------------------------------------------------------------------
    /// The verifier's policy is invalid (it cannot be compiled to the circuit's shape).
    #[error("the verifier's policy is invalid: {0}")]
    InvalidPolicy(String),
    /// The verifier's own inputs are invalid (for instance a clock outside the supported range).
    #[error("invalid verifier input: {0}")]
    InvalidVerifierInput(String),
    /// The verifier's policy is for another issuer than the one its root source speaks for
    /// ([`crate::IssuerRoots`]): a registry does not bind the issuer its credentials name, so
    /// one issuer's roots cannot vouch for a credential of another.
    #[error(
        "the policy is for issuer {policy:?}, but the root source speaks for issuer {roots:?} \
         (each issuer's policy is checked against that issuer's own roots)"
    )]
    IssuerRootsMismatch {
        /// The policy's issuer.
        policy: String,
        /// The issuer whose roots the source reads.
        roots: String,
    },
    /// A root source could not answer.
    #[error("root source: {0}")]
    RootSource(String),
    /// A nullifier store could not answer.
    #[error("nullifier store: {0}")]
    NullifierStore(String),
}

impl VerifyError {
    /// Whether this is malformed input, a rejection, or a verifier-side problem.
    pub fn class(&self) -> ErrorClass {
        use VerifyError::*;
        match self {
            WrongLength { .. }
            | InvalidHex { .. }
            | PointNotOnCurve { .. }
            | PointNotInSubgroup { .. }
            | PointNotCanonical { .. }
            | InvalidFieldElement { .. }
            | InvalidDate { .. }
            | ContainerTooShort { .. }
            | BadMagic
            | WrongKind { .. }
            | UnsupportedVersion { .. }
            | LengthMismatch { .. }
            | DigestMismatch
            | MalformedKey(_)
            | KeyInputCount { .. }
            | UnsupportedDepth { .. }
            | UnknownCircuit { .. }
            | UnsupportedCircuit { .. }
            | InvalidStatementInput { .. }
            | UnsupportedPresentationVersion { .. }
            | Truncated { .. }
            | TrailingBytes { .. }
            | TooManyDisclosed { .. }
            | BadQrPrefix { .. }
            | InvalidBase45(_)
            | Json(_) => ErrorClass::Malformed,
            InvalidProof
            | InvalidProofsInBatch { .. }
            | WrongCircuit { .. }
            | WrongDepth { .. }
            | WrongKey { .. }
            | TodayOutOfTolerance { .. }
            | TodayNotAdmitted { .. }
            | ChallengeMismatch
            | ScopeMismatch
            | PolicyMismatch(_)
            | RootNotAccepted { .. }
            | NullifierReused { .. } => ErrorClass::Rejected,
            InvalidPolicy(_)
            | InvalidVerifierInput(_)
            | IssuerRootsMismatch { .. }
            | RootSource(_)
            | NullifierStore(_) => ErrorClass::Verifier,
        }
    }

    /// A stable, machine-readable code for the variant (`snake_case` of its name, e.g.
    /// `challenge_mismatch`), for logs, metrics and API answers; it does not change when a
    /// message's wording does.
    pub fn code(&self) -> &'static str {
        use VerifyError::*;
        match self {
            WrongLength { .. } => "wrong_length",
            InvalidHex { .. } => "invalid_hex",
            PointNotOnCurve { .. } => "point_not_on_curve",
            PointNotInSubgroup { .. } => "point_not_in_subgroup",
            PointNotCanonical { .. } => "point_not_canonical",
            InvalidFieldElement { .. } => "invalid_field_element",
            InvalidDate { .. } => "invalid_date",
            ContainerTooShort { .. } => "container_too_short",
            BadMagic => "bad_magic",
            WrongKind { .. } => "wrong_kind",
            UnsupportedVersion { .. } => "unsupported_version",
            LengthMismatch { .. } => "length_mismatch",
            DigestMismatch => "digest_mismatch",
            MalformedKey(_) => "malformed_key",
            KeyInputCount { .. } => "key_input_count",
            UnsupportedDepth { .. } => "unsupported_depth",
            UnknownCircuit { .. } => "unknown_circuit",
            UnsupportedCircuit { .. } => "unsupported_circuit",
            InvalidStatementInput { .. } => "invalid_statement_input",
            UnsupportedPresentationVersion { .. } => "unsupported_presentation_version",
            Truncated { .. } => "truncated",
            TrailingBytes { .. } => "trailing_bytes",
            TooManyDisclosed { .. } => "too_many_disclosed",
            BadQrPrefix { .. } => "bad_qr_prefix",
            InvalidBase45(_) => "invalid_base45",
            Json(_) => "json",
            InvalidProof => "invalid_proof",
            InvalidProofsInBatch { .. } => "invalid_proofs_in_batch",
            WrongCircuit { .. } => "wrong_circuit",
            WrongDepth { .. } => "wrong_depth",
            WrongKey { .. } => "wrong_key",
            TodayOutOfTolerance { .. } => "today_out_of_tolerance",
            TodayNotAdmitted { .. } => "today_not_admitted",
            ChallengeMismatch => "challenge_mismatch",
            ScopeMismatch => "scope_mismatch",
            PolicyMismatch(_) => "policy_mismatch",
            RootNotAccepted { .. } => "root_not_accepted",
            NullifierReused { .. } => "nullifier_reused",
            InvalidPolicy(_) => "invalid_policy",
            InvalidVerifierInput(_) => "invalid_verifier_input",
            IssuerRootsMismatch { .. } => "issuer_roots_mismatch",
            RootSource(_) => "root_source",
            NullifierStore(_) => "nullifier_store",
        }
    }

    /// Whether the input could not be decoded at all ([`ErrorClass::Malformed`]).
    pub fn is_malformed(&self) -> bool {
        self.class() == ErrorClass::Malformed
    }

    /// Whether the input decoded but was refused ([`ErrorClass::Rejected`]).
    pub fn is_rejected(&self) -> bool {
        self.class() == ErrorClass::Rejected
    }
}

impl From<serde_json::Error> for VerifyError {
    fn from(e: serde_json::Error) -> Self {
        VerifyError::Json(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_refusal_reads_as_one_sentence() {
        let msg = VerifyError::TodayNotAdmitted {
            presented: "2026-12-03".into(),
            expected: "2026-12-02".into(),
        }
        .to_string();
        assert!(!msg.contains("  "), "{msg}");
        assert!(
            msg.contains("2026-12-03") && msg.contains("2026-12-02"),
            "{msg}"
        );
    }

    #[test]
    fn codes_name_the_variant() {
        assert_eq!(VerifyError::ChallengeMismatch.code(), "challenge_mismatch");
        assert_eq!(VerifyError::BadMagic.code(), "bad_magic");
        assert_eq!(
            VerifyError::NullifierReused {
                nullifier: String::new()
            }
            .code(),
            "nullifier_reused"
        );
        assert_eq!(
            VerifyError::PolicyMismatch("x".into()).code(),
            "policy_mismatch"
        );
        assert_eq!(
            VerifyError::IssuerRootsMismatch {
                policy: "A".into(),
                roots: "B".into()
            }
            .code(),
            "issuer_roots_mismatch"
        );
    }

    #[test]
    fn classes_separate_malformed_from_rejected() {
        assert!(VerifyError::BadMagic.is_malformed());
        assert!(VerifyError::PointNotInSubgroup {
            point: ProofPoint::B
        }
        .is_malformed());
        assert!(VerifyError::InvalidProof.is_rejected());
        assert!(!VerifyError::InvalidProof.is_malformed());
        assert_eq!(
            VerifyError::RootSource("down".into()).class(),
            ErrorClass::Verifier
        );
        // A root source of another issuer is the verifier's configuration, not the holder's
        // fault: neither malformed nor a refusal of the presentation.
        let e = VerifyError::IssuerRootsMismatch {
            policy: "A".into(),
            roots: "B".into(),
        };
        assert_eq!(e.class(), ErrorClass::Verifier);
        assert_eq!(e.class(), VerifyError::InvalidPolicy(String::new()).class());
    }

    #[test]
    fn messages_name_what_was_wrong() {
        let e = VerifyError::PointNotInSubgroup {
            point: ProofPoint::B,
        };
        assert_eq!(
            e.to_string(),
            "proof point B (G2) is on the curve but not in the prime-order subgroup"
        );
        let e = VerifyError::TodayOutOfTolerance {
            days_off: 3,
            presented: "2025-01-04".into(),
            expected: "2025-01-01".into(),
            tolerance: 1,
        };
        assert!(e
            .to_string()
            .starts_with("today is 3 day(s) off the verifier's clock"));
        let e = VerifyError::IssuerRootsMismatch {
            policy: "NL-RIVM".into(),
            roots: "DE-RKI".into(),
        };
        assert!(e.to_string().starts_with(
            r#"the policy is for issuer "NL-RIVM", but the root source speaks for issuer "DE-RKI""#
        ));
    }
}
