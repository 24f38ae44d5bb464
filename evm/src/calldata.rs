//! Calldata of `ZkhPresentation.verifyPresentation` from a presentation, ABI-encoded and as JSON.
//!
//! `verifyPresentation(uint256[8] proof, uint256[7] input)`: the proof words
//! `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]` (G2 as `(c1, c0)`) and the public inputs
//! in circuit order `[root, day, ymd, challenge, scope, nullifier, queryHash]`.

use alloy_sol_types::{sol, SolCall};
use serde::{Deserialize, Serialize};
use zkhealth_circuits::Statement;
use zkhealth_verifier::Presentation;

use crate::words::{input_words, proof_words, word_hex, PROOF_WORDS};

sol! {
    /// The calls of the presentation contract (contracts/src/ZkhPresentation.sol).
    #[derive(Debug, PartialEq, Eq)]
    interface IZkhPresentation {
        /// Checks a presentation made by the caller and records its nullifier.
        function verifyPresentation(uint256[8] proof, uint256[7] input) external;
        /// Whether the proof is valid for the inputs (the bare Groth16 check).
        function verifyProof(uint256[8] proof, uint256[7] input) external view returns (bool);
        /// The challenge a presentation sent by `sender` must carry.
        function challengeFor(address sender) external view returns (uint256);
        /// Whether a nullifier was used.
        function isNullifierUsed(uint256 nullifier) external view returns (bool);
        /// Whether presentations of a policy are accepted.
        function isPolicyAccepted(uint256 queryHash) external view returns (bool);
        /// Accepts a policy (owner).
        function acceptPolicy(uint256 queryHash) external;
        /// Withdraws a policy (owner).
        function revokePolicy(uint256 queryHash) external;
        /// The YYYYMMDD form of a day number.
        function ymdOfDay(uint256 day) external pure returns (uint256);
        /// The nullifier scope.
        function scope() external view returns (uint256);
        /// The owner.
        function owner() external view returns (address);
        /// Hands ownership over (owner).
        function transferOwnership(address newOwner) external;

        /// A presentation was accepted.
        event PresentationVerified(uint256 indexed nullifier, address indexed sender, uint256 indexed queryHash, uint256 root);
        /// A policy was accepted.
        event PolicyAccepted(uint256 indexed queryHash);
        /// A policy was withdrawn.
        event PolicyRevoked(uint256 indexed queryHash);

        /// Not the owner.
        error NotOwner();
        /// Calldata of the wrong length.
        error MalformedCalldata(uint256 length, uint256 expected);
        /// Public input out of the scalar field.
        error PublicInputOutOfField(uint256 index, uint256 value);
        /// Proof word out of the base field.
        error ProofCoordinateOutOfField(uint256 index, uint256 value);
        /// A proof point is not on the curve or not in the subgroup.
        error InvalidProofPoint();
        /// The policy is not accepted.
        error PolicyNotAccepted(uint256 queryHash);
        /// The scope is not the contract's.
        error WrongScope(uint256 presented, uint256 expected);
        /// The challenge is not the caller's.
        error WrongChallenge(uint256 presented, uint256 expected);
        /// The day is off the block's day.
        error DayNotToday(uint256 presented, uint256 blockDay);
        /// The YYYYMMDD input is not the date of the day.
        error DateMismatch(uint256 presented, uint256 expected);
        /// The nullifier was used.
        error NullifierAlreadyUsed(uint256 nullifier);
        /// The registry does not accept the root.
        error RootNotAccepted(uint256 root);
        /// The proof does not verify.
        error InvalidProof();
    }
}

/// The `verifyPresentation` call of a presentation.
pub fn verify_presentation_call(
    presentation: &Presentation,
) -> IZkhPresentation::verifyPresentationCall {
    IZkhPresentation::verifyPresentationCall {
        proof: proof_words(&presentation.proof),
        input: input_words(&presentation.statement),
    }
}

/// The ABI-encoded calldata of `verifyPresentation` for a presentation (4 + 15·32 bytes).
pub fn verify_presentation_calldata(presentation: &Presentation) -> Vec<u8> {
    verify_presentation_call(presentation).abi_encode()
}

/// The calldata of a presentation in a form for people: every word as `0x` + 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalldataJson {
    /// The function's signature.
    pub function: String,
    /// Its 4-byte selector, `0x` + 8 hex digits.
    pub selector: String,
    /// `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`.
    pub proof: [String; PROOF_WORDS],
    /// `[root, day, ymd, challenge, scope, nullifier, queryHash]`.
    pub input: [String; Statement::NUM_INPUTS],
    /// The whole ABI-encoded calldata, `0x` + hex.
    pub calldata: String,
}

impl CalldataJson {
    /// The calldata of `presentation`, word by word.
    pub fn new(presentation: &Presentation) -> Self {
        let call = verify_presentation_call(presentation);
        Self {
            function: IZkhPresentation::verifyPresentationCall::SIGNATURE.to_string(),
            selector: format!(
                "0x{}",
                hex::encode(IZkhPresentation::verifyPresentationCall::SELECTOR)
            ),
            proof: call.proof.map(|w| word_hex(&w)),
            input: call.input.map(|w| word_hex(&w)),
            calldata: format!("0x{}", hex::encode(call.abi_encode())),
        }
    }
}
