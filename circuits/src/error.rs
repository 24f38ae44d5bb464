//! The crate's error type.

use thiserror::Error;

/// `text` for an error message: quoted, and cut to its first 40 characters (with its length)
/// when longer, so that a huge input is never echoed whole.
pub fn excerpt(text: &str) -> String {
    const SHOWN: usize = 40;
    match text.char_indices().nth(SHOWN) {
        None => format!("{text:?}"),
        Some((end, _)) => format!("{:?}… ({} bytes)", &text[..end], text.len()),
    }
}

/// Everything that can go wrong with native zkhealth values.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// A field element's encoding is malformed or not canonical.
    #[error("invalid field element: {0}")]
    InvalidFieldElement(String),
    /// Poseidon was called with an unsupported number of inputs.
    #[error("Poseidon takes 1 to 16 inputs, got {0}")]
    PoseidonArity(usize),
    /// A date is malformed or outside the supported range.
    #[error("invalid date: {0}")]
    InvalidDate(String),
    /// A code or string cannot be encoded as a field element.
    #[error("invalid code: {0}")]
    InvalidCode(String),
    /// A registry depth outside `1..=max`.
    #[error("registry depth {depth} is not supported (1 to {max})")]
    UnsupportedDepth {
        /// The depth asked for.
        depth: u32,
        /// The largest supported depth.
        max: u32,
    },
    /// The empty value 0 cannot be appended: it marks revoked and unfilled slots.
    #[error("cannot append the empty leaf 0 (it marks revoked slots)")]
    EmptyLeaf,
    /// Every slot of the tree is filled.
    #[error("the tree of depth {depth} is full ({capacity} leaves)")]
    TreeFull {
        /// The tree's depth.
        depth: u32,
        /// Its number of slots.
        capacity: u64,
    },
    /// A leaf that was never appended.
    #[error("leaf {index} has not been appended ({len} leaves)")]
    LeafNotAppended {
        /// The leaf index.
        index: u64,
        /// How many leaves the tree holds.
        len: u64,
    },
    /// A leaf that is already revoked (empty).
    #[error("leaf {index} is already revoked")]
    AlreadyRevoked {
        /// The leaf index.
        index: u64,
    },
    /// An index outside the tree.
    #[error("index {index} is outside a tree of depth {depth}")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The tree's depth.
        depth: u32,
    },
    /// A registry structure (tree, path) is malformed.
    #[error("registry: {0}")]
    Registry(String),
    /// A credential or record is malformed.
    #[error("invalid credential: {0}")]
    InvalidCredential(String),
    /// A policy is malformed or does not fit the circuit's fixed maxima.
    #[error("invalid policy: {0}")]
    InvalidPolicy(String),
    /// The credential does not satisfy a condition of the policy.
    #[error("condition {index} ({description}) is not met: {reason}")]
    ConditionNotMet {
        /// Position of the condition in the policy.
        index: usize,
        /// The condition, in words.
        description: String,
        /// Why it fails on this credential.
        reason: String,
    },
    /// The credential is expired on the verifier's date.
    #[error("credential expired on {expiry}, verifier's date is {today}")]
    Expired {
        /// Expiry date (ISO).
        expiry: String,
        /// The verifier's date (ISO).
        today: String,
    },
    /// A Merkle path does not lead from a leaf to the expected root.
    #[error(
        "leaf {index} with this commitment leads to root {reached}, not to the registry's root \
         {root} (revoked, or a stale path)"
    )]
    NotInRegistry {
        /// The path's leaf index.
        index: u64,
        /// The root the path leads to (hex).
        reached: String,
        /// The root expected (hex).
        root: String,
    },
    /// A circuit name is not one of [`crate::circuit::CircuitId`]'s.
    #[error("unknown circuit {0:?}")]
    UnknownCircuit(String),
    /// A schema name that the catalog resolving it does not hold (the shipped catalog is
    /// `zkhealth_records::schema`).
    #[error("unknown schema {0:?}")]
    UnknownSchema(String),
    /// A statement was given the wrong number of public inputs.
    #[error("the statement has {expected} public inputs, got {got}")]
    InputCount {
        /// The statement type's number of inputs.
        expected: usize,
        /// The number given.
        got: usize,
    },
    /// A public input's value is not one its statement can have.
    #[error("public input {name} is invalid: {reason}")]
    InvalidInput {
        /// The input's name ([`crate::statement::PublicInputs::INPUT_NAMES`]).
        name: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A claim's treatment is not covered by its coverage credential (a cross-credential
    /// condition of the claim circuit fails).
    #[error("the treatment is not covered: {condition}: {reason}")]
    NotCovered {
        /// The condition, in words.
        condition: &'static str,
        /// Why it fails on these credentials.
        reason: String,
    },
    /// The witness does not match the statement (wrong secret, path, root...).
    #[error("witness does not match the statement: {0}")]
    WitnessMismatch(String),
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_cut_long_inputs_and_keep_short_ones() {
        assert_eq!(excerpt("0x12"), "\"0x12\"");
        let long = "a".repeat(100_000_000);
        let shown = excerpt(&long);
        assert!(shown.len() < 80, "{shown}");
        assert!(shown.ends_with("… (100000000 bytes)"), "{shown}");
        // Cut on a character boundary.
        assert!(excerpt(&"é".repeat(50)).starts_with("\"é"));
    }
}
